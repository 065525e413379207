package faults

import (
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/example/extension-apiserver/internal/localcluster"
	"github.com/example/extension-apiserver/internal/testutil"
	clientset "github.com/example/extension-apiserver/pkg/generated/clientset/versioned"
	"github.com/example/extension-apiserver/pkg/generated/informers/externalversions"
)

// TestRestoreFromSnapshot restores the HA topology's etcd from a snapshot
// as the runbook says (revision bumped, old revisions marked compacted),
// and, to show why the runbook forbids it, without the bump.
func TestRestoreFromSnapshot(t *testing.T) {
	t.Run("revision bumped", func(t *testing.T) { testRestore(t, localcluster.DefaultBumpRevision) })
	t.Run("without the bump, which the runbook forbids", func(t *testing.T) { testRestore(t, 0) })
}

func testRestore(t *testing.T, bump int64) {
	ha, replicas := startHA(t)
	ctx := context.Background()
	kubectl := func(args ...string) string {
		t.Helper()
		out, err := exec.Command("kubectl", append([]string{"--kubeconfig", ha.Replicas[0].Kubeconfig}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("kubectl %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	startController(t, ha.Replicas[0].Kubeconfig)

	// Objects of every kind, the CronTabs reconciled by the controller.
	root, _ := filepath.Abs("../..")
	for _, example := range []string{"crontab-v1", "crontabclass-v1", "flunder-v1beta1", "fischer-v1beta1"} {
		kubectl("apply", "-f", filepath.Join(root, "artifacts", "examples", example+".yaml"))
	}
	for i := range 10 {
		testutil.CreateCronTab(t, replicas[i%2], fmt.Sprintf("before-%d", i), "image-before")
	}
	// Once every CronTab is reconciled the controller writes no more, so
	// what is listed now is what the snapshot holds.
	for i := range 10 {
		waitReconciled(t, replicas[0], fmt.Sprintf("before-%d", i))
	}
	waitReconciled(t, replicas[0], "my-new-cron-object")
	atSnapshot := objectsOfEveryKind(t, kubectl)

	out, err := exec.Command(filepath.Join(root, "hack", "etcd-ops.sh"), "--ha", ha.Dir, "backup", t.TempDir()).CombinedOutput()
	if err != nil {
		t.Fatalf("backup: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`backup: (\S+\.db) \((\d+) bytes, (\d+) ms\)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("backup wrote no verified snapshot:\n%s", out)
	}
	snapshot := string(m[1])
	t.Logf("snapshot of %d objects (and the server's own records): %s bytes in %s ms", len(atSnapshot), m[2], m[3])

	// Written after the snapshot: creates, updates, deletes.
	for i := range 10 {
		testutil.CreateCronTab(t, replicas[i%2], fmt.Sprintf("after-%d", i), "image-after")
	}
	kubectl("patch", "crontab", "before-0", "--type=merge", "-p", `{"spec":{"image":"image-changed"}}`)
	kubectl("delete", "crontab/before-1", "flunder/my-second-flunder")
	kubectl("delete", "fischer", "my-other-fischer")
	list, err := replicas[0].StableV1().CronTabs("default").List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	servedBefore, _ := strconv.ParseUint(list.ResourceVersion, 10, 64)

	// Informers and plain watchers that resume from their last
	// resourceVersion, through each replica.
	informerStop := make(chan struct{})
	defer close(informerStop)
	var informers []cache.SharedIndexInformer
	var watchers []*resumingWatcher
	for _, cs := range replicas {
		factory := externalversions.NewSharedInformerFactory(cs, 0)
		informer := factory.Stable().V1().CronTabs().Informer()
		informers = append(informers, informer)
		factory.Start(informerStop)
		watchers = append(watchers, startResumingWatcher(t, cs))
	}
	for _, informer := range informers {
		cache.WaitForCacheSync(informerStop, informer.HasSynced)
	}
	for _, w := range watchers {
		w.waitForList(t)
	}

	start := time.Now()
	if err := ha.Restore(ctx, snapshot, bump); err != nil {
		t.Fatal(err)
	}
	restored := time.Now()
	t.Logf("restore (replicas stopped, 3 members restored and started, replicas ready): %.1fs", restored.Sub(start).Seconds())

	// The snapshot's objects, unchanged; nothing written after it.
	if after := objectsOfEveryKind(t, kubectl); !equalObjects(after, atSnapshot) {
		t.Errorf("after the restore the server holds\n%v\nthe snapshot held\n%v", after, atSnapshot)
	}
	created := testutil.CreateCronTab(t, replicas[1], "after-restore", "image-new")
	servedAfter, _ := strconv.ParseUint(created.ResourceVersion, 10, 64)

	if bump == 0 {
		showWhatBreaksWithoutTheBump(t, replicas, watchers, informers, servedBefore, servedAfter)
		return
	}
	if servedAfter <= servedBefore {
		t.Errorf("a write after the restore got resourceVersion %d; %d was served before it", servedAfter, servedBefore)
	}
	// Every watcher learns of the restore (410 Gone) and relists; every
	// informer converges to what the server lists.
	for i, w := range watchers {
		relisted := w.waitForRelist(t, start)
		t.Logf("watcher of replica %d: 410 Gone, relisted %.1fs after the restore began (%.1fs after it completed)",
			i, relisted.Sub(start).Seconds(), relisted.Sub(restored).Seconds())
		w.waitForState(t, replicas[i])
	}
	for i, informer := range informers {
		waitInformerConverged(t, informer, replicas[i])
		t.Logf("informer of replica %d holds what the server lists %.1fs after the restore began", i, time.Since(start).Seconds())
	}
	waitReconciled(t, replicas[0], "after-restore")
	for i, cs := range replicas {
		testutil.WaitForNoError(t, time.Minute, fmt.Sprintf("replica %d's storage migration status to be sound", i), func(context.Context) error {
			status, err := testutil.MigrationStatus(context.Background(), cs)
			if err != nil {
				return err
			}
			if status.Leader == "" || len(status.Replicas) != 2 {
				return fmt.Errorf("leader %q, %d live replicas: %+v", status.Leader, len(status.Replicas), status)
			}
			for _, r := range status.Resources {
				if r.State != "Current" || r.Pending != 0 {
					return fmt.Errorf("%s: %s, %d pending (%s)", r.Resource, r.State, r.Pending, r.Message)
				}
			}
			return nil
		})
	}
}

// showWhatBreaksWithoutTheBump states what a restore without the bump
// breaks: resourceVersions are reused, and a watcher resuming from one it
// saw is never told, so it misses what the restore undid.
func showWhatBreaksWithoutTheBump(t *testing.T, replicas []clientset.Interface, watchers []*resumingWatcher, informers []cache.SharedIndexInformer,
	servedBefore, servedAfter uint64) {
	if servedAfter > servedBefore {
		t.Fatalf("without the bump a write after the restore got resourceVersion %d, above the %d served before: the restore did not go back", servedAfter, servedBefore)
	}
	t.Logf("without the bump, resourceVersion %d is served again for a different write (%d was served before the restore)", servedAfter, servedBefore)
	// Once etcd's revision passes what the watchers last saw, their
	// resumed watches are accepted: no 410, no relist.
	for i := 0; servedAfter <= servedBefore+1; i++ {
		servedAfter, _ = strconv.ParseUint(testutil.CreateCronTab(t, replicas[0], fmt.Sprintf("filler-%d", i), "image-new").ResourceVersion, 10, 64)
	}
	testutil.CreateCronTab(t, replicas[0], "seen-by-resumed-watches", "image-new")
	for i, w := range watchers {
		w.waitForObject(t, "seen-by-resumed-watches")
		stale := w.staleAgainst(t, replicas[i])
		if w.relistedAfter(time.Time{}) || len(stale) == 0 {
			t.Errorf("watcher of replica %d: relisted %v, stale objects %v; the restore without the bump should have gone unnoticed", i, w.relistedAfter(time.Time{}), stale)
		}
		t.Logf("watcher of replica %d resumed without a 410 and still holds %d objects the server no longer has or has changed (%v): a stale cache, silently", i, len(stale), stale)
	}
	for i, informer := range informers {
		held := map[string]string{}
		for _, obj := range informer.GetStore().List() {
			held[obj.(metav1.Object).GetName()] = obj.(metav1.Object).GetResourceVersion()
		}
		t.Logf("informer of replica %d against what the server lists: %v", i, sameCronTabs(held, servedCronTabs(t, replicas[i])))
	}
}

// objectsOfEveryKind maps kind/namespace/name to resourceVersion and spec.
func objectsOfEveryKind(t *testing.T, kubectl func(...string) string) map[string]string {
	t.Helper()
	var list struct {
		Items []struct {
			Kind     string            `json:"kind"`
			Metadata metav1.ObjectMeta `json:"metadata"`
			Spec     json.RawMessage   `json:"spec"`
			Banned   json.RawMessage   `json:"disallowedFlunders"`
		} `json:"items"`
	}
	if err := json.Unmarshal([]byte(kubectl("get", "crontabs,crontabclasses,flunders,fischers", "-A", "-o", "json")), &list); err != nil {
		t.Fatal(err)
	}
	objects := map[string]string{}
	for _, o := range list.Items {
		objects[o.Kind+"/"+o.Metadata.Namespace+"/"+o.Metadata.Name] = o.Metadata.ResourceVersion + " " + string(o.Spec) + string(o.Banned)
	}
	return objects
}

func equalObjects(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// startController runs the CronTab controller against a replica until the
// test ends.
func startController(t *testing.T, kubeconfig string) {
	t.Helper()
	root, _ := filepath.Abs("../..")
	binary := filepath.Join(t.TempDir(), "crontab-controller")
	build := exec.Command("go", "build", "-o", binary, "./cmd/crontab-controller")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the controller: %v\n%s", err, out)
	}
	controller := exec.Command(binary, "--kubeconfig", kubeconfig, "--leader-elect=false")
	if err := controller.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = controller.Process.Kill(); _ = controller.Wait() })
}

// waitReconciled waits until the controller has reconciled a CronTab.
func waitReconciled(t *testing.T, cs clientset.Interface, name string) {
	t.Helper()
	testutil.WaitForNoError(t, time.Minute, "the controller to reconcile "+name, func(ctx context.Context) error {
		ct, err := cs.StableV1().CronTabs("default").Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if ct.Status.ObservedGeneration != ct.Generation {
			return fmt.Errorf("observedGeneration %d, generation %d", ct.Status.ObservedGeneration, ct.Generation)
		}
		return nil
	})
}
