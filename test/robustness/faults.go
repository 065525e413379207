package robustness

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/example/extension-apiserver/internal/localcluster"
	rob "github.com/example/extension-apiserver/internal/robustness"
	"github.com/example/extension-apiserver/internal/testutil"
	clientset "github.com/example/extension-apiserver/pkg/generated/clientset/versioned"
	"github.com/example/extension-apiserver/pkg/storagemigration"
)

// faults injects each fault and holds it until its effect is seen: calls
// through the other replica answered, calls through the faulty one of
// unknown outcome, another etcd member leading.
type faults struct {
	t      *testing.T
	ha     *localcluster.HA
	etcd   *clientv3.Client
	rec    *rob.Recorder
	stored *rob.EtcdRecorder
	cutOff *partition
	peers  *peerNetwork
	// protobuf is the storage encoding the replicas write, toggled by the
	// storage migration fault.
	protobuf bool
}

type fault struct {
	name   string
	inject func()
}

func (f *faults) all() []fault {
	r0, r1 := f.ha.Replicas[0], f.ha.Replicas[1]
	return []fault{
		{"compact etcd at the latest revision", func() {
			// Never past what the history has recorded: its watch must not
			// be compacted away.
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if _, err := f.etcd.Compact(ctx, f.stored.Progress()); err != nil && !errors.Is(err, rpctypes.ErrCompacted) {
				f.t.Fatal(err)
			}
		}},
		{"kill -9 " + r0.Name + " (its watch cache starts again)", func() {
			f.kill(r0)
			f.answered(r1.Name, 20)
			f.restartReplica(r0)
		}},
		{"SIGSTOP " + r1.Name, func() {
			f.ha.Pause(r1)
			f.unknown(r1.Name, 2)
			f.ha.Resume(r1)
		}},
		{"cut " + r1.Name + " off from etcd", func() {
			f.cutOff.cut()
			f.unknown(r1.Name, 2)
			f.answered(r0.Name, 20)
			f.cutOff.heal()
		}},
		{"change the storage encoding: the replicas restart, the migration rewrites objects underneath", f.migrate},
		{"cut the etcd leader off from its peers", func() {
			m := f.leader()
			f.peers.isolate(m.Name)
			f.newLeader(m)
			f.answered("", 20)
			f.peers.heal()
			waitMemberHealthy(f.t, f.ha, m)
		}},
		{"cut an etcd follower off from its peers", func() {
			m := f.follower()
			f.peers.isolate(m.Name)
			f.answered("", 20)
			f.peers.heal()
			waitMemberHealthy(f.t, f.ha, m)
		}},
		{"kill -9 the etcd leader", func() {
			m := f.leader()
			f.kill(m)
			f.newLeader(m)
			if err := f.ha.Start(m); err != nil {
				f.t.Fatal(err)
			}
			waitMemberHealthy(f.t, f.ha, m)
		}},
		{"SIGSTOP the etcd leader until another leads", func() {
			m := f.leader()
			f.ha.Pause(m)
			f.newLeader(m)
			f.ha.Resume(m)
		}},
	}
}

// migrate restarts both replicas, one after the other, writing the other
// encoding, and waits until the migration has rewritten what was stored in
// the old one.
func (f *faults) migrate() {
	began := f.rec.History.Now()
	defer func() { f.rec.History.Rewriting(rob.Window{From: began, To: f.rec.History.Now()}) }()
	f.protobuf = !f.protobuf
	mediaType := map[bool]string{false: "application/json", true: "application/vnd.kubernetes.protobuf"}[f.protobuf]
	for _, r := range f.ha.Replicas {
		r.SetFlag("storage-media-type", mediaType)
		if err := f.ha.Terminate(r); err != nil {
			f.t.Fatal(err)
		}
		f.restartReplica(r)
	}
	client := clientset.NewForConfigOrDie(testutil.ReplicaConfig(f.t, f.ha.Replicas[0]))
	var last storagemigration.ResourceStatus
	testutil.WaitFor(f.t, 2*time.Minute, "the storage migration of CronTabs to "+mediaType, func(ctx context.Context) (bool, error) {
		status, err := testutil.MigrationStatus(ctx, client)
		var syntax *json.SyntaxError
		var wrongType *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syntax) || errors.As(err, &wrongType):
			return false, err // an answer that is not a status
		case err != nil:
			return false, nil // restarting
		}
		for _, r := range status.Resources {
			if r.Resource == "crontabs.stable.example.com" {
				last = r
				return r.State == storagemigration.StateCurrent && r.Target.MediaType == mediaType && r.Migrated > 0, nil
			}
		}
		return false, nil
	})
	f.t.Logf("the storage migration rewrote %d CronTabs in %s", last.Migrated, mediaType)
}

func (f *faults) kill(p *localcluster.Process) {
	if err := f.ha.Kill(p); err != nil {
		f.t.Fatal(err)
	}
}

func (f *faults) restartReplica(r *localcluster.Process) {
	if err := f.ha.Start(r); err != nil {
		f.t.Fatal(err)
	}
	if err := f.ha.WaitReady(context.Background(), r); err != nil {
		f.t.Fatal(err)
	}
}

// flowing waits until writes are answered again, through either replica.
func (f *faults) flowing() { f.answered("", 20) }

// answered waits for n more answered calls through the endpoints of prefix.
func (f *faults) answered(prefix string, n int) {
	before, _ := f.rec.Outcomes(prefix)
	testutil.WaitFor(f.t, time.Minute, fmt.Sprintf("%d more calls answered through %q", n, prefix), func(context.Context) (bool, error) {
		now, _ := f.rec.Outcomes(prefix)
		return now >= before+n, nil
	})
}

// unknown waits for n more calls of unknown outcome through prefix's endpoints.
func (f *faults) unknown(prefix string, n int) {
	_, before := f.rec.Outcomes(prefix)
	testutil.WaitFor(f.t, time.Minute, fmt.Sprintf("%d calls through %q to time out", n, prefix), func(context.Context) (bool, error) {
		_, now := f.rec.Outcomes(prefix)
		return now >= before+n, nil
	})
}

// currentLeader is the member that says it leads, if one does now.
func (f *faults) currentLeader() *localcluster.Process {
	for _, m := range f.ha.Members {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		status, err := f.etcd.Status(ctx, m.URL)
		cancel()
		if err == nil && status.Leader == status.Header.MemberId {
			return m
		}
	}
	return nil
}

func (f *faults) leader() *localcluster.Process {
	var m *localcluster.Process
	testutil.WaitFor(f.t, time.Minute, "an etcd leader", func(context.Context) (bool, error) {
		m = f.currentLeader()
		return m != nil, nil
	})
	return m
}

func (f *faults) follower() *localcluster.Process {
	l := f.leader()
	for _, m := range f.ha.Members {
		if m != l {
			return m
		}
	}
	return nil
}

func (f *faults) newLeader(old *localcluster.Process) {
	testutil.WaitFor(f.t, time.Minute, "another etcd member to lead", func(context.Context) (bool, error) {
		m := f.currentLeader()
		return m != nil && m != old, nil
	})
}
