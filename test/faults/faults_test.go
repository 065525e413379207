package faults

import (
	"context"
	"flag"
	"fmt"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/example/extension-apiserver/internal/localcluster"
	"github.com/example/extension-apiserver/internal/testutil"
	clientset "github.com/example/extension-apiserver/pkg/generated/clientset/versioned"
)

var full = flag.Bool("full", false, "the long form: more writers, every fault twice, a full etcd stop/start")

func TestAcknowledgedWritesSurviveFaults(t *testing.T) {
	ha, replicas := startHA(t)
	ctx := context.Background()

	// Writers create, update and delete through both replicas, recording
	// every outcome; a watcher per replica.
	writers := 4
	if *full {
		writers = 8
	}
	running := startLoad(t, replicas, writers, cronTabWriter, cronTabs)
	l, watchers := running.ledger, running.watchers

	// Faults, one after another, while the writers run.
	etcd := testutil.EtcdClient(t, ha)
	defer etcd.Close()
	// currentLeader is the member that says it leads, if one does now.
	currentLeader := func() *localcluster.Process {
		for _, m := range ha.Members {
			statusCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
			status, err := etcd.Status(statusCtx, m.URL)
			cancel()
			if err == nil && status.Leader == status.Header.MemberId {
				return m
			}
		}
		return nil
	}
	leader := func() *localcluster.Process {
		var m *localcluster.Process
		testutil.WaitFor(t, 30*time.Second, "an etcd leader", func(context.Context) (bool, error) {
			m = currentLeader()
			return m != nil, nil
		})
		return m
	}
	follower := func() *localcluster.Process {
		l := leader()
		for _, m := range ha.Members {
			if m != l {
				return m
			}
		}
		return nil
	}
	restart := func(p *localcluster.Process) {
		if err := ha.Start(p); err != nil {
			t.Fatal(err)
		}
	}
	kill := func(p *localcluster.Process) {
		if err := ha.Kill(p); err != nil {
			t.Fatal(err)
		}
	}
	// A fault is held until its effect is seen: writes acknowledged without
	// the lost member, another member leading, or writes failing.
	acknowledgedWrites := func(n int) {
		before := l.snapshotAcks()
		testutil.WaitFor(t, 60*time.Second, fmt.Sprintf("%d more acknowledged writes", n), func(context.Context) (bool, error) {
			return l.snapshotAcks() >= before+n, nil
		})
	}
	newLeader := func(old *localcluster.Process) {
		testutil.WaitFor(t, 60*time.Second, "another etcd member to lead", func(context.Context) (bool, error) {
			m := currentLeader()
			return m != nil && m != old, nil
		})
	}
	type fault struct {
		name   string
		inject func()
	}
	faults := []fault{
		{"kill -9 an etcd follower", func() { m := follower(); kill(m); acknowledgedWrites(10); restart(m) }},
		{"kill -9 the etcd leader", func() { m := leader(); kill(m); newLeader(m); acknowledgedWrites(10); restart(m) }},
		{"kill -9 a server replica", func() {
			r := ha.Replicas[0]
			kill(r)
			acknowledgedWrites(10) // through the other replica
			restart(r)
			if err := ha.WaitReady(ctx, r); err != nil {
				t.Fatal(err)
			}
		}},
		{"SIGSTOP the etcd leader until another leads", func() { m := leader(); ha.Pause(m); newLeader(m); ha.Resume(m) }},
	}
	if *full {
		faults = append(faults, faults...)
		faults = append(faults, fault{"stop and start every etcd member", func() {
			failures := l.snapshotFailures()
			for _, m := range ha.Members {
				kill(m)
			}
			testutil.WaitFor(t, 60*time.Second, "writes to fail with etcd down", func(context.Context) (bool, error) {
				return l.snapshotFailures() >= failures+5, nil
			})
			for _, m := range ha.Members {
				restart(m)
			}
		}})
	}
	acknowledgedWrites(10) // the load is running
	var recoveries []string
	for _, f := range faults {
		start := time.Now()
		f.inject()
		acknowledgedWrites(10)
		recoveries = append(recoveries, fmt.Sprintf("%s: writes flowing %.1fs after the fault began", f.name, time.Since(start).Seconds()))
	}
	running.stopWriters()
	running.waitForWatchers(t)
	running.stopWatchers()
	for i, w := range watchers {
		if w.backwards != 0 || w.events == 0 {
			t.Errorf("watcher of replica %d: %d events, %d relists, %d resourceVersions went backwards", i, w.events, w.relists, w.backwards)
		}
		t.Logf("watcher of replica %d: %d events in resourceVersion order, %d lists (after a 410 or a lost connection)", i, w.events, w.relists)
	}
	for _, r := range ha.Replicas {
		if err := ha.WaitReady(ctx, r); err != nil {
			t.Fatal(err)
		}
	}

	lost, inDoubt := checkCronTabLedger(t, l, replicas, etcd)
	t.Logf("writes attempted %d, acknowledged %d, failed (in doubt) %d, refused (replica down) %d; objects in doubt %d; acknowledged writes lost %d; faults survived %d",
		l.attempted, l.acknowledged, l.failed, l.refused, inDoubt, lost, len(faults))
	for _, r := range recoveries {
		t.Log(r)
	}
}

// checkCronTabLedger checks every acknowledged CronTab write against both
// replicas and etcd, and that nothing exists that no write created; it
// returns the acknowledged writes lost and the objects in doubt.
func checkCronTabLedger(t *testing.T, l *ledger, replicas []clientset.Interface, etcd *clientv3.Client) (lost, inDoubt int) {
	t.Helper()
	lost, inDoubt = checkLedger(t, l, replicas, cronTabsIn(etcd, false))
	snapshot := l.snapshot()
	for i, cs := range replicas {
		list, err := cs.StableV1().CronTabs("default").List(context.Background(), metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, ct := range list.Items {
			if _, known := snapshot[ct.Name]; !known {
				t.Errorf("replica %d lists %s, which no write created", i, ct.Name)
			}
		}
	}
	return lost, inDoubt
}

// startHA starts the HA topology, stopped when the test ends, with
// replicaArgs as extra flags of both replicas; it returns a clientset per
// replica (the deprecation warnings of v1alpha1 seeding are tested
// elsewhere).
func startHA(t *testing.T, replicaArgs ...string) (*localcluster.HA, []clientset.Interface) {
	t.Helper()
	ha := testutil.StartHA(t, replicaArgs...)
	var replicas []clientset.Interface
	for _, r := range ha.Replicas {
		replicas = append(replicas, clientset.NewForConfigOrDie(testutil.ReplicaConfig(t, r)))
	}
	return ha, replicas
}
