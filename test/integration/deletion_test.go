package integration

import (
	"context"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/example/extension-apiserver/test/integration/framework"
)

const testFinalizer = "test.example.com/cleanup"

func TestFinalizersAndGracefulDeletion(t *testing.T) {
	s := framework.StartServer(t, framework.ServerConfig{})
	crontabs := s.Clientset(t).StableV1().CronTabs("default")
	ctx := context.Background()

	for _, tc := range []struct {
		name      string
		grace     *int64
		wantGrace int64
	}{
		{name: "default grace", grace: nil, wantGrace: 0},
		{name: "grace 30s", grace: ptr.To[int64](30), wantGrace: 30},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ct := seedCronTab("finalized")
			ct.Finalizers = []string{testFinalizer}
			if _, err := crontabs.Create(ctx, ct, metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
			before := time.Now()
			if err := crontabs.Delete(ctx, "finalized", metav1.DeleteOptions{GracePeriodSeconds: tc.grace}); err != nil {
				t.Fatal(err)
			}
			deleting, err := crontabs.Get(ctx, "finalized", metav1.GetOptions{})
			if err != nil {
				t.Fatalf("an object with finalizers must stay readable after delete: %v", err)
			}
			if deleting.DeletionTimestamp == nil || deleting.DeletionGracePeriodSeconds == nil || *deleting.DeletionGracePeriodSeconds != tc.wantGrace {
				t.Fatalf("deletionTimestamp %v, deletionGracePeriodSeconds %v; want grace %d", deleting.DeletionTimestamp, deleting.DeletionGracePeriodSeconds, tc.wantGrace)
			}
			if due := deleting.DeletionTimestamp.Sub(before); due < time.Duration(tc.wantGrace-2)*time.Second || due > time.Duration(tc.wantGrace+2)*time.Second {
				t.Errorf("deletionTimestamp is %s after the request, want about %ds", due, tc.wantGrace)
			}

			deleting.Finalizers = append(deleting.Finalizers, "late.example.com/new")
			if _, err := crontabs.Update(ctx, deleting, metav1.UpdateOptions{}); !apierrors.IsInvalid(err) {
				t.Errorf("adding a finalizer while deleting: %v, want 422", err)
			}

			deleting.Finalizers = nil
			final, err := crontabs.Update(ctx, deleting, metav1.UpdateOptions{})
			if err != nil {
				t.Fatalf("removing the last finalizer: %v", err)
			}
			if final.Name != "finalized" || len(final.Finalizers) != 0 {
				t.Errorf("the update removing the last finalizer answered %+v, want the object as written", final.ObjectMeta)
			}
			if _, err := crontabs.Get(ctx, "finalized", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
				t.Fatalf("after the last finalizer went: %v, want NotFound", err)
			}
		})
	}

	t.Run("propagation policies", func(t *testing.T) {
		for _, policy := range []metav1.DeletionPropagation{metav1.DeletePropagationForeground, metav1.DeletePropagationBackground, metav1.DeletePropagationOrphan} {
			if _, err := crontabs.Create(ctx, seedCronTab("propagated"), metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
			if err := crontabs.Delete(ctx, "propagated", metav1.DeleteOptions{PropagationPolicy: &policy}); err != nil {
				t.Fatalf("delete with %s: %v", policy, err)
			}
			if _, err := crontabs.Get(ctx, "propagated", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
				t.Errorf("after delete with %s: %v, want NotFound (no garbage collector in standalone mode)", policy, err)
			}
		}
		bad := metav1.DeletionPropagation("Sideways")
		if err := crontabs.Delete(ctx, "anything", metav1.DeleteOptions{PropagationPolicy: &bad}); !apierrors.IsBadRequest(err) && !apierrors.IsInvalid(err) {
			t.Errorf("delete with an unknown propagation policy: %v, want it refused", err)
		}
	})
}
