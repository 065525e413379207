package crontab

import (
	"context"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/utils/ptr"

	"github.com/example/extension-apiserver/pkg/admission/plugin/crontabcleanup"
	stablev1 "github.com/example/extension-apiserver/pkg/apis/stable/v1"
	"github.com/example/extension-apiserver/pkg/generated/clientset/versioned/fake"
	informers "github.com/example/extension-apiserver/pkg/generated/informers/externalversions"
)

var fixedNow = metav1.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)

func TestDesiredStatus(t *testing.T) {
	earlier := metav1.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name         string
		spec         stablev1.CronTabSpec
		conditions   []metav1.Condition
		wantReplicas int32
		wantReady    metav1.ConditionStatus
		wantLTT      metav1.Time
	}{
		{"follows spec", stablev1.CronTabSpec{Replicas: ptr.To[int32](3)}, nil, 3, metav1.ConditionTrue, fixedNow},
		{"suspended", stablev1.CronTabSpec{Replicas: ptr.To[int32](3), Suspend: ptr.To(true)}, nil, 0, metav1.ConditionFalse, fixedNow},
		{"keeps the transition time", stablev1.CronTabSpec{Replicas: ptr.To[int32](2)},
			[]metav1.Condition{{Type: ConditionReady, Status: metav1.ConditionTrue, Reason: ReasonReplicasUpToDate, LastTransitionTime: earlier}},
			2, metav1.ConditionTrue, earlier},
		{"moves the transition time", stablev1.CronTabSpec{Replicas: ptr.To[int32](2), Suspend: ptr.To(true)},
			[]metav1.Condition{{Type: ConditionReady, Status: metav1.ConditionTrue, Reason: ReasonReplicasUpToDate, LastTransitionTime: earlier}},
			0, metav1.ConditionFalse, fixedNow},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ct := &stablev1.CronTab{ObjectMeta: metav1.ObjectMeta{Name: "ct", Generation: 4}, Spec: tc.spec,
				Status: stablev1.CronTabStatus{Conditions: tc.conditions}}
			got := desiredStatus(ct, fixedNow)
			ready := meta.FindStatusCondition(got.Conditions, ConditionReady)
			if got.Replicas != tc.wantReplicas || got.LabelSelector != SelectorLabel+"=ct" || got.ObservedGeneration != 4 ||
				ready == nil || ready.Status != tc.wantReady || !ready.LastTransitionTime.Equal(&tc.wantLTT) || ready.ObservedGeneration != 4 {
				t.Errorf("desired status %+v", got)
			}
		})
	}
}

type countingCleaner struct {
	mu    sync.Mutex
	count map[string]int
}

func (c *countingCleaner) Cleanup(_ context.Context, ct *stablev1.CronTab) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.count == nil {
		c.count = map[string]int{}
	}
	c.count[ct.Name]++
	return nil
}

func (c *countingCleaner) times(name string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.count[name]
}

type recordedEvents struct{ reasons []string }

func (r *recordedEvents) Eventf(_ *stablev1.CronTab, _, reason, _ string, _ ...any) {
	r.reasons = append(r.reasons, reason)
}

// newTestController returns a controller over a fake clientset holding
// objects, with its informer synced.
func newTestController(t *testing.T, objects ...runtime.Object) (*Controller, *fake.Clientset, *countingCleaner, *recordedEvents) {
	t.Helper()
	client := fake.NewSimpleClientset(objects...)
	factory := informers.NewSharedInformerFactory(client, 0)
	cleaner, events := &countingCleaner{}, &recordedEvents{}
	c := New(client, factory.Stable().V1().CronTabs(), cleaner, events)
	c.now = func() metav1.Time { return fixedNow }
	stop := make(chan struct{})
	t.Cleanup(func() { close(stop) })
	factory.Start(stop)
	factory.WaitForCacheSync(stop)
	return c, client, cleaner, events
}

func writes(client *fake.Clientset) []k8stesting.Action {
	var out []k8stesting.Action
	for _, a := range client.Actions() {
		if a.GetVerb() == "update" || a.GetVerb() == "patch" {
			out = append(out, a)
		}
	}
	return out
}

func TestReconcileWritesStatusOnlyWhenItChanges(t *testing.T) {
	ct := &stablev1.CronTab{ObjectMeta: metav1.ObjectMeta{Name: "ct", Namespace: "ns", Generation: 2}, Spec: stablev1.CronTabSpec{Replicas: ptr.To[int32](5)}}
	c, client, _, _ := newTestController(t, ct)
	if err := c.Reconcile(context.Background(), "ns/ct"); err != nil {
		t.Fatal(err)
	}
	w := writes(client)
	if len(w) != 1 || w[0].GetSubresource() != "status" {
		t.Fatalf("writes %v, want one status update", w)
	}
	updated, _ := client.StableV1().CronTabs("ns").Get(context.Background(), "ct", metav1.GetOptions{})
	if updated.Status.Replicas != 5 || updated.Status.ObservedGeneration != 2 {
		t.Errorf("status %+v", updated.Status)
	}

	// Reconciling the up-to-date object writes nothing: no hot loop.
	c2, client2, _, _ := newTestController(t, updated)
	if err := c2.Reconcile(context.Background(), "ns/ct"); err != nil {
		t.Fatal(err)
	}
	if w := writes(client2); len(w) != 0 {
		t.Errorf("a no-op reconcile wrote %v", w)
	}
	if err := c2.Reconcile(context.Background(), "ns/missing"); err != nil {
		t.Errorf("a deleted CronTab: %v", err)
	}
}

func TestReconcileLeavesPausedCronTabsAlone(t *testing.T) {
	ct := &stablev1.CronTab{ObjectMeta: metav1.ObjectMeta{Name: "ct", Namespace: "ns", Generation: 2,
		Annotations: map[string]string{PausedAnnotation: "true"}}, Spec: stablev1.CronTabSpec{Replicas: ptr.To[int32](5)}}
	c, client, _, _ := newTestController(t, ct)
	if err := c.Reconcile(context.Background(), "ns/ct"); err != nil {
		t.Fatal(err)
	}
	if w := writes(client); len(w) != 0 {
		t.Errorf("the controller wrote %v to a paused CronTab", w)
	}
	paused := deleting([]string{crontabcleanup.Finalizer})
	paused.Annotations = ct.Annotations
	c, client, cleaner, _ := newTestController(t, paused)
	if err := c.Reconcile(context.Background(), "ns/ct"); err != nil {
		t.Fatal(err)
	}
	if cleaner.times("ct") != 1 || len(writes(client)) == 0 {
		t.Errorf("a paused CronTab being deleted: cleanup ran %d times, writes %v", cleaner.times("ct"), writes(client))
	}
}

func deleting(finalizers []string, conditions ...metav1.Condition) *stablev1.CronTab {
	now := metav1.Now()
	return &stablev1.CronTab{ObjectMeta: metav1.ObjectMeta{Name: "ct", Namespace: "ns", DeletionTimestamp: &now, Finalizers: finalizers},
		Status: stablev1.CronTabStatus{Conditions: conditions}}
}

func TestFinalizeRunsCleanupOnceAndRemovesOnlyItsFinalizer(t *testing.T) {
	c, client, cleaner, events := newTestController(t, deleting([]string{"other.example.com/keep", crontabcleanup.Finalizer}))
	if err := c.Reconcile(context.Background(), "ns/ct"); err != nil {
		t.Fatal(err)
	}
	after, _ := client.StableV1().CronTabs("ns").Get(context.Background(), "ct", metav1.GetOptions{})
	if cleaner.times("ct") != 1 || len(events.reasons) != 1 || events.reasons[0] != "CleanedUp" {
		t.Errorf("cleanup ran %d times, events %v; want once", cleaner.times("ct"), events.reasons)
	}
	if len(after.Finalizers) != 1 || after.Finalizers[0] != "other.example.com/keep" {
		t.Errorf("finalizers %v, want only the other controller's", after.Finalizers)
	}
	if !meta.IsStatusConditionTrue(after.Status.Conditions, ConditionCleanedUp) {
		t.Errorf("the CleanedUp condition records that cleanup ran: %+v", after.Status.Conditions)
	}
}

// TestFinalizeAfterRestart: a controller that stopped after the cleanup
// but before removing the finalizer does not clean up again.
func TestFinalizeAfterRestart(t *testing.T) {
	done := metav1.Condition{Type: ConditionCleanedUp, Status: metav1.ConditionTrue, Reason: ReasonFinalized, LastTransitionTime: fixedNow}
	c, client, cleaner, _ := newTestController(t, deleting([]string{crontabcleanup.Finalizer}, done))
	if err := c.Reconcile(context.Background(), "ns/ct"); err != nil {
		t.Fatal(err)
	}
	after, _ := client.StableV1().CronTabs("ns").Get(context.Background(), "ct", metav1.GetOptions{})
	if cleaner.times("ct") != 0 || len(after.Finalizers) != 0 {
		t.Errorf("cleanup ran %d times (want 0), finalizers %v", cleaner.times("ct"), after.Finalizers)
	}
}

func TestFinalizeLeavesOthersAlone(t *testing.T) {
	c, client, cleaner, _ := newTestController(t, deleting([]string{"other.example.com/keep"}))
	if err := c.Reconcile(context.Background(), "ns/ct"); err != nil {
		t.Fatal(err)
	}
	if cleaner.times("ct") != 0 || len(writes(client)) != 0 {
		t.Errorf("a CronTab without our finalizer was touched: cleanup %d, writes %v", cleaner.times("ct"), writes(client))
	}
}
