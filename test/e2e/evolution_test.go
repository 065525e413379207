package e2e

import (
	"bytes"
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/utils/ptr"

	stablev1beta1 "github.com/example/extension-apiserver/pkg/apis/stable/v1beta1"
	clientset "github.com/example/extension-apiserver/pkg/generated/clientset/versioned"
	"github.com/example/extension-apiserver/test/integration/framework"
)

// TestDeprecationWarningsThroughTheAggregator: kube-apiserver passes the
// server's Warning headers on, so kubectl prints them.
func TestDeprecationWarningsThroughTheAggregator(t *testing.T) {
	namespace := shared.namespace(t)
	cmd := exec.Command("kubectl", "--kubeconfig", shared.AdminKubeconfig(), "get", "flunders.v1alpha1.wardle.example.com", "-A")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("kubectl get flunders.v1alpha1: %v: %s", err, stderr.String())
	}
	want := "Warning: wardle.example.com/v1alpha1 Flunder is deprecated in v1.37+, unavailable in v1.40+; use wardle.example.com/v1beta1 Flunder"
	if !strings.Contains(stderr.String(), want) {
		t.Errorf("kubectl stderr %q, want %q", stderr.String(), want)
	}

	config, err := clientcmd.BuildConfigFromFlags("", shared.AdminKubeconfig())
	if err != nil {
		t.Fatal(err)
	}
	warnings := &framework.WarningRecorder{}
	config.WarningHandler = warnings
	crontabs := clientset.NewForConfigOrDie(config).StableV1beta1().CronTabs(namespace)
	ctx := context.Background()
	wantCronTab := "stable.example.com/v1beta1 CronTab is deprecated in v1.37+, unavailable in v1.40+; use stable.example.com/v1 CronTab"
	if _, err := crontabs.Create(ctx, &stablev1beta1.CronTab{ObjectMeta: metav1.ObjectMeta{Name: "deprecated-version"},
		Spec: stablev1beta1.CronTabSpec{Schedule: "* * * * *", Image: "busybox", Replicas: ptr.To[int32](1)}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = crontabs.Delete(context.Background(), "deprecated-version", metav1.DeleteOptions{}) })
	if got := warnings.Take(); len(got) != 1 || got[0] != wantCronTab {
		t.Errorf("create through v1beta1: warnings %q, want %q", got, wantCronTab)
	}
	if _, err := crontabs.GetScale(ctx, "deprecated-version", metav1.GetOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := warnings.Take(); len(got) != 1 || got[0] != wantCronTab {
		t.Errorf("get /scale through v1beta1: warnings %q, want %q", got, wantCronTab)
	}
}

// TestLoweredReplicaLimit lowers a namespace's CronTabReplicaLimit below
// what a CronTab already has: every write that does not raise its replicas
// passes, finalizers included, so deletion completes; scaling up is refused.
func TestLoweredReplicaLimit(t *testing.T) {
	namespace := shared.namespace(t)
	shared.kubectl(t, "annotate", "namespace", namespace, "stable.example.com/max-replicas=5")
	ctx := context.Background()
	crontabs := shared.adminClientset(t).StableV1().CronTabs(namespace)
	if err := eventually(t, func() error {
		_, err := crontabs.Create(ctx, crontabWith("big", "busybox", 5), metav1.CreateOptions{})
		return err
	}); err != nil {
		t.Fatalf("5 replicas where the namespace allows 5: %v", err)
	}
	shared.kubectl(t, "annotate", "namespace", namespace, "--overwrite", "stable.example.com/max-replicas=2")
	if err := eventually(t, func() error {
		_, err := crontabs.Create(ctx, crontabWith("probe", "busybox", 3), metav1.CreateOptions{})
		if apierrors.IsForbidden(err) {
			return nil
		}
		if err == nil {
			_ = crontabs.Delete(ctx, "probe", metav1.DeleteOptions{})
			return apierrors.NewBadRequest("3 replicas still accepted")
		}
		return err
	}); err != nil {
		t.Fatalf("the lowered limit never applied: %v", err)
	}

	shared.kubectl(t, "label", "crontabs.stable.example.com", "big", "--namespace="+namespace, "team=a")
	shared.kubectl(t, "annotate", "crontabs.stable.example.com", "big", "--namespace="+namespace, "note=kept")
	ct, err := crontabs.Get(ctx, "big", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ct.Status.ObservedGeneration = ct.Generation
	if _, err := crontabs.UpdateStatus(ctx, ct, metav1.UpdateOptions{}); err != nil && !apierrors.IsConflict(err) {
		t.Errorf("status write above the lowered limit: %v", err)
	}
	shared.kubectl(t, "scale", "crontabs.stable.example.com", "big", "--namespace="+namespace, "--replicas=4")
	if _, err := shared.Kubectl(ctx, "scale", "crontabs.stable.example.com", "big", "--namespace="+namespace, "--replicas=5"); err == nil || !strings.Contains(err.Error(), "CronTabReplicaLimit") {
		t.Errorf("scaling up above the lowered limit: %v, want a refusal by CronTabReplicaLimit", err)
	}

	if _, err := crontabs.Patch(ctx, "big", types.MergePatchType, []byte(`{"metadata":{"finalizers":["example.com/hold"]}}`), metav1.PatchOptions{}); err != nil {
		t.Fatalf("adding a finalizer: %v", err)
	}
	if err := crontabs.Delete(ctx, "big", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	// Our own finalizer goes by an update that keeps the cleanup
	// finalizer (if CronTabCleanup added one) to the controller.
	ct, err = crontabs.Get(ctx, "big", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	for _, f := range ct.Finalizers {
		if f != "example.com/hold" {
			kept = append(kept, f)
		}
	}
	ct.Finalizers = kept
	if _, err := crontabs.Update(ctx, ct, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("removing a finalizer above the lowered limit: %v", err)
	}
	if err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		_, err := crontabs.Get(ctx, "big", metav1.GetOptions{})
		return apierrors.IsNotFound(err), nil
	}); err != nil {
		t.Errorf("the CronTab was not deleted within 30s of its finalizers being released: %v", err)
	}
}
