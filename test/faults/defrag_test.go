package faults

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/example/extension-apiserver/internal/testutil"
	stablev1 "github.com/example/extension-apiserver/pkg/apis/stable/v1"
)

// TestDefragmentationUnderLoad defragments each etcd member in turn, with
// the runbook's command, while the fault suite's writers and watchers run:
// no acknowledged write is lost, and each member's window reports the
// writes' error rate and latency against the window before.
func TestDefragmentationUnderLoad(t *testing.T) {
	ha, replicas := startHA(t)
	ctx := context.Background()
	etcd := testutil.EtcdClient(t, ha)
	defer etcd.Close()

	// Free pages for defragmentation to give back: objects written, then
	// two thirds of them deleted.
	seeded := 1500
	if *full {
		seeded = 6000
	}
	fill := strings.Repeat("x", 8000)
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			crontabs := replicas[w%2].StableV1().CronTabs("fragments") // apart from the ledger's objects
			for i := w; i < seeded; i += 8 {
				name := fmt.Sprintf("seed-%d", i)
				if _, err := crontabs.Create(ctx, &stablev1.CronTab{ObjectMeta: metav1.ObjectMeta{Name: name, Annotations: map[string]string{"fill": fill}},
					Spec: stablev1.CronTabSpec{CronSpec: "* * * * *", Image: "seed", Replicas: ptr.To[int32](1)}}, metav1.CreateOptions{}); err != nil {
					t.Error(err)
					return
				}
				if i%3 != 0 {
					if err := crontabs.Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
						t.Error(err)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	current, err := etcd.Get(ctx, "compact-to-now")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := etcd.Compact(ctx, current.Header.Revision, clientv3.WithCompactPhysical()); err != nil {
		t.Fatal(err)
	}

	running := startLoad(t, replicas, 4, cronTabWriter, cronTabs)
	l := running.ledger
	moreAcks := func(n int) {
		before := l.snapshotAcks()
		testutil.WaitFor(t, time.Minute, fmt.Sprintf("%d more acknowledged writes", n), func(context.Context) (bool, error) {
			return l.snapshotAcks() >= before+n, nil
		})
	}
	from := time.Now()
	moreAcks(200)
	t.Logf("before defragmentation: %s", l.window(from, time.Now()))

	root, _ := filepath.Abs("../..")
	for _, m := range ha.Members {
		before, err := etcd.Status(ctx, m.URL)
		if err != nil {
			t.Fatal(err)
		}
		from := time.Now()
		out, err := exec.Command(filepath.Join(root, "hack", "etcd-ops.sh"), "--endpoints", m.URL, "--cacert", ha.EtcdTLS.CAFile(),
			"--cert", ha.EtcdTLS.ClientCert(), "--key", ha.EtcdTLS.ClientKey(), "defrag").CombinedOutput()
		if err != nil {
			t.Fatalf("defragmenting %s: %v\n%s", m.Name, err, out)
		}
		to := time.Now()
		after, err := etcd.Status(ctx, m.URL)
		if err != nil {
			t.Fatal(err)
		}
		if after.DbSize >= before.DbSize {
			t.Errorf("%s: database %d bytes before defragmentation, %d after", m.Name, before.DbSize, after.DbSize)
		}
		t.Logf("%s defragmented in %s, database %.1f -> %.1f MB; writes started meanwhile: %s",
			m.Name, to.Sub(from).Round(time.Millisecond), float64(before.DbSize)/1e6, float64(after.DbSize)/1e6, l.window(from, to))
		moreAcks(20)
	}

	running.stopWriters()
	running.waitForWatchers(t)
	running.stopWatchers()
	for i, w := range running.watchers {
		if w.backwards != 0 || w.events == 0 {
			t.Errorf("watcher of replica %d: %d events, %d relists, %d resourceVersions went backwards", i, w.events, w.relists, w.backwards)
		}
	}
	lost, inDoubt := checkCronTabLedger(t, l, replicas, etcd)
	t.Logf("writes attempted %d, acknowledged %d, failed %d; objects in doubt %d; acknowledged writes lost %d",
		l.attempted, l.acknowledged, l.failed, inDoubt, lost)
}
