package faults

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	clientv3 "go.etcd.io/etcd/client/v3"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/utils/ptr"

	"github.com/example/extension-apiserver/internal/localcluster"
	"github.com/example/extension-apiserver/internal/testutil"
	"github.com/example/extension-apiserver/pkg/apis/wardle"
	wardlev1alpha1 "github.com/example/extension-apiserver/pkg/apis/wardle/v1alpha1"
	"github.com/example/extension-apiserver/pkg/apiserver"
	clientset "github.com/example/extension-apiserver/pkg/generated/clientset/versioned"
	"github.com/example/extension-apiserver/pkg/storagemigration"
)

const (
	oldVersion = "wardle.example.com/v1alpha1"
	newVersion = "wardle.example.com/v1beta1"
)

// TestRollingStorageChange is a rolling change of wardle's storage version
// and encoding under load: both replicas write v1alpha1 JSON, one restarts
// writing v1beta1 protobuf, then the other; the migration starts once both
// agree, while writers and watchers use both replicas, and the replica that
// migrates is killed mid-run. Afterwards every Flunder in etcd is v1beta1
// protobuf, no acknowledged write is lost, no seeded object changed, and
// no watcher saw a resourceVersion go backwards.
func TestRollingStorageChange(t *testing.T) {
	// The migration is slowed down so that it is still running when the
	// test kills the replica that runs it: about 25 s.
	seeded, qps := 600, "25"
	if *full {
		seeded, qps = 3000, "200"
	}
	ha, replicas := startHA(t, "--storage-versions=wardle.example.com=v1alpha1", "--storage-media-type=application/json",
		"--storage-migration-qps="+qps, "--storage-migration-lease-duration=3s")
	ctx := context.Background()
	etcd := testutil.EtcdClient(t, ha)
	defer etcd.Close()

	seedFlunders(t, replicas[0], seeded)
	before := storedFlunders(t, etcd)
	if n := countEncodings(before)[oldVersion+" "+runtime.ContentTypeJSON]; n != seeded {
		t.Fatalf("%d seeded Flunders stored as v1alpha1 JSON, want %d", n, seeded)
	}

	t.Logf("%d seeded Flunders", seeded)
	running := startLoad(t, replicas, 4, flunderWriter, flunders)
	l, watchers := running.ledger, running.watchers

	start := time.Now()
	for i, r := range ha.Replicas {
		r.SetFlag("storage-versions", "wardle.example.com=v1beta1")
		r.SetFlag("storage-media-type", "application/vnd.kubernetes.protobuf")
		restartReplica(t, ha, r)
		if i == 0 {
			// One replica writes the new encoding, the other the old one:
			// whichever leads must wait.
			waitForMigration(t, replicas[1], "the migration to wait for the replica writing v1alpha1", func(s storagemigration.ResourceStatus) bool {
				return s.State == storagemigration.StateWaiting && len(s.WaitingFor) == 1
			})
		}
	}
	t.Logf("both replicas restarted with v1beta1 protobuf %.1fs after the first restart began", time.Since(start).Seconds())

	// Kill the replica that migrates, mid-run, and bring it back.
	migrating := waitForMigration(t, replicas[0], "the migration to be under way", func(s storagemigration.ResourceStatus) bool {
		return s.State == storagemigration.StateMigrating && s.Migrated > 0
	})
	leader := leaderReplica(t, ha, replicas)
	t.Logf("killing %s (the migrator) after %d Flunders migrated", leader.Name, migrating.Migrated)
	if err := ha.Kill(leader); err != nil {
		t.Fatal(err)
	}
	if err := ha.Start(leader); err != nil {
		t.Fatal(err)
	}
	if err := ha.WaitReady(ctx, leader); err != nil {
		t.Fatal(err)
	}
	done := waitForMigration(t, replicas[0], "the migration to finish", func(s storagemigration.ResourceStatus) bool {
		return s.State == storagemigration.StateCurrent
	})
	migrationTime := time.Since(start)
	running.stopWriters()
	waitForMigration(t, replicas[1], "the last writes to be in the new encoding", func(s storagemigration.ResourceStatus) bool {
		return s.State == storagemigration.StateCurrent && s.Pending == 0
	})
	running.stopWatchers()

	// Every Flunder in etcd is v1beta1 protobuf.
	after := storedFlunders(t, etcd)
	encodings := countEncodings(after)
	if len(encodings) != 1 || encodings[newVersion+" "+runtime.ContentTypeProtobuf] == 0 {
		t.Errorf("stored Flunders by encoding after the migration: %v, want only %s protobuf", encodings, newVersion)
	}
	// No seeded object changed but for its resourceVersion.
	changed := 0
	for key, old := range before {
		now, ok := after[key]
		if !ok {
			t.Errorf("%s is gone", key)
			continue
		}
		if diff := cmp.Diff(old.flunder, now.flunder, ignoreResourceVersion); diff != "" {
			changed++
			if changed <= 3 {
				t.Errorf("%s changed (-before +after):\n%s", key, diff)
			}
		}
	}
	lost, _ := checkLedger(t, l, replicas, flundersIn(etcd, false))
	for i, w := range watchers {
		if w.backwards != 0 || w.events == 0 {
			t.Errorf("watcher of replica %d: %d events, %d relists, %d resourceVersions went backwards", i, w.events, w.relists, w.backwards)
		}
	}
	t.Logf("rolling change: %d seeded Flunders, %d stored at the end; writes attempted %d, acknowledged %d, failed (in doubt) %d, refused (replica down) %d, "+
		"acknowledged writes lost %d; seeded objects changed %d; %d migrated in all, the killed migrator's successor resuming after %q; "+
		"%.1fs from the first restart to every object current; watchers saw %d and %d events in order",
		seeded, len(after), l.attempted, l.acknowledged, l.failed, l.refused, lost, changed, done.Migrated, done.ResumedFrom,
		migrationTime.Seconds(), watchers[0].events, watchers[1].events)
	if done.ResumedFrom == "" {
		t.Errorf("the migration after the kill did not resume from a checkpoint: %+v", done)
	}
}

var ignoreResourceVersion = cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".ResourceVersion" }, cmp.Ignore())

func seedFlunders(t *testing.T, cs clientset.Interface, n int) {
	t.Helper()
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += 8 {
				_, err := cs.WardleV1alpha1().Flunders("default").Create(ctx, &wardlev1alpha1.Flunder{
					ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("seed-%05d", i), Labels: map[string]string{"seed": fmt.Sprint(i % 7)}},
					Spec:       wardlev1alpha1.FlunderSpec{Reference: fmt.Sprintf("fischer-%d", i), ReferenceType: ptr.To(wardlev1alpha1.FischerReferenceType)},
				}, metav1.CreateOptions{})
				if err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// storedFlunder is an etcd value decoded as the server decodes it, to the
// hub type.
type storedFlunder struct {
	encoding string // "<apiVersion> <media type>"
	flunder  *wardle.Flunder
}

func storedFlunders(t *testing.T, etcd *clientv3.Client) map[string]storedFlunder {
	t.Helper()
	resp, err := etcd.Get(context.Background(), flunderKeys, clientv3.WithPrefix())
	if err != nil {
		t.Fatal(err)
	}
	decoder := apiserver.Codecs.UniversalDecoder()
	stored := map[string]storedFlunder{}
	for _, kv := range resp.Kvs {
		obj, _, err := decoder.Decode(kv.Value, nil, &wardle.Flunder{})
		if err != nil {
			t.Fatalf("%s: %v", kv.Key, err)
		}
		stored[string(kv.Key)] = storedFlunder{encoding: storagemigration.EncodingOf(kv.Value).String(), flunder: obj.(*wardle.Flunder)}
	}
	return stored
}

func countEncodings(stored map[string]storedFlunder) map[string]int {
	counts := map[string]int{}
	for _, s := range stored {
		counts[s.encoding]++
	}
	return counts
}

// restartReplica stops a replica with SIGTERM, as a rolling update does,
// starts it with its current flags and waits until it is ready.
func restartReplica(t *testing.T, ha *localcluster.HA, r *localcluster.Process) {
	t.Helper()
	if err := ha.Terminate(r); err != nil {
		t.Fatal(err)
	}
	if err := ha.Start(r); err != nil {
		t.Fatal(err)
	}
	if err := ha.WaitReady(context.Background(), r); err != nil {
		t.Fatal(err)
	}
}

// waitForMigration polls a replica's migration status of Flunders until
// done says so, and returns that status.
func waitForMigration(t *testing.T, cs clientset.Interface, what string, done func(storagemigration.ResourceStatus) bool) storagemigration.ResourceStatus {
	t.Helper()
	var last storagemigration.ResourceStatus
	err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, 2*time.Minute, true, func(context.Context) (bool, error) {
		status, err := testutil.MigrationStatus(context.Background(), cs)
		if err != nil {
			return false, nil // the replica may be restarting
		}
		for _, r := range status.Resources {
			if r.Resource == "flunders.wardle.example.com" {
				last = r
				return done(r), nil
			}
		}
		return false, nil
	})
	if err != nil {
		t.Fatalf("waiting for %s: %v; last status %+v", what, err, last)
	}
	return last
}

// leaderReplica returns the replica that leads the migration.
func leaderReplica(t *testing.T, ha *localcluster.HA, replicas []clientset.Interface) *localcluster.Process {
	t.Helper()
	for i, cs := range replicas {
		status, err := testutil.MigrationStatus(context.Background(), cs)
		if err != nil {
			t.Fatal(err)
		}
		if status.Leader != "" && status.Leader == status.Identity {
			return ha.Replicas[i]
		}
	}
	t.Fatal("no replica leads the storage migration")
	return nil
}
