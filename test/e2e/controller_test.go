package e2e

import (
	"context"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/example/extension-apiserver/pkg/admission/plugin/crontabcleanup"
)

// TestControllerBehindTheAggregator: the controller, as its ServiceAccount
// with the RBAC of artifacts/deploy, keeps status in line and finalizes
// deletions, records Events and holds its Lease.
func TestControllerBehindTheAggregator(t *testing.T) {
	namespace := shared.namespace(t)
	ctx := context.Background()
	crontabs := shared.adminClientset(t).StableV1().CronTabs(namespace)
	created, err := crontabs.Create(ctx, crontabWith("controlled", "busybox", 2), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(created.Finalizers) != 1 || created.Finalizers[0] != crontabcleanup.Finalizer {
		t.Errorf("finalizers %v", created.Finalizers)
	}
	statusIs := func(replicas int32) error {
		ct, err := crontabs.Get(ctx, "controlled", metav1.GetOptions{})
		if err == nil && (ct.Status.Replicas != replicas || ct.Status.ObservedGeneration != ct.Generation) {
			return apierrors.NewConflict(ct.GroupVersionKind().GroupVersion().WithResource("crontabs").GroupResource(), ct.Name, nil)
		}
		return err
	}
	if err := eventually(t, func() error { return statusIs(2) }); err != nil {
		t.Fatalf("status did not follow: %v", err)
	}
	shared.kubectl(t, "scale", "crontabs.stable.example.com", "controlled", "--namespace="+namespace, "--replicas=4")
	if err := eventually(t, func() error { return statusIs(4) }); err != nil {
		t.Fatalf("status did not follow the scale: %v", err)
	}

	shared.kubectl(t, "delete", "crontabs.stable.example.com", "controlled", "--namespace="+namespace, "--timeout=30s")
	if _, err := crontabs.Get(ctx, "controlled", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("after delete: %v", err)
	}
	if err := eventually(t, func() error {
		out := shared.kubectl(t, "get", "events.events.k8s.io", "--namespace="+namespace, "-o", "jsonpath={.items[*].reason}/{.items[*].regarding.name}")
		if !strings.Contains(out, "CleanedUp") || !strings.Contains(out, "controlled") {
			return apierrors.NewNotFound(metav1.SchemeGroupVersion.WithResource("events").GroupResource(), out)
		}
		return nil
	}); err != nil {
		t.Errorf("no CleanedUp Event: %v", err)
	}
	holder := shared.kubectl(t, "get", "lease", "crontab-controller", "-n", "extension-apiserver", "-o", "jsonpath={.spec.holderIdentity}")
	if holder == "" {
		t.Errorf("the controller holds no Lease")
	}
}
