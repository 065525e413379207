package integration

import (
	"context"
	"strings"
	"testing"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	stablev1 "github.com/example/extension-apiserver/pkg/apis/stable/v1"
	wardlev1beta1 "github.com/example/extension-apiserver/pkg/apis/wardle/v1beta1"
	stablev1ac "github.com/example/extension-apiserver/pkg/generated/applyconfiguration/stable/v1"
	"github.com/example/extension-apiserver/test/integration/framework"
)

func readyCondition() metav1.Condition {
	return metav1.Condition{Type: "Ready", Status: metav1.ConditionTrue, Reason: "AllReplicasReady", LastTransitionTime: metav1.Now()}
}

func TestStatusSubresource(t *testing.T) {
	s := framework.StartServer(t, framework.ServerConfig{})
	cs := s.Clientset(t)
	crontabs := cs.StableV1().CronTabs("default")
	ctx := context.Background()

	withStatus := seedCronTab("status")
	withStatus.Status = stablev1.CronTabStatus{Replicas: 9, LabelSelector: "app=sneaky"}
	created, err := crontabs.Create(ctx, withStatus, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if created.Status.Replicas != 0 || created.Status.LabelSelector != "" {
		t.Errorf("create kept status %+v; only /status may write it", created.Status)
	}

	created.Status = stablev1.CronTabStatus{Replicas: 3, LabelSelector: "app=cron", ObservedGeneration: 1, Conditions: []metav1.Condition{readyCondition()}}
	created.Spec.Image = "ignored-by-status-write"
	afterStatus, err := crontabs.UpdateStatus(ctx, created, metav1.UpdateOptions{})
	if err != nil {
		t.Fatalf("update status: %v", err)
	}
	if afterStatus.Status.Replicas != 3 || len(afterStatus.Status.Conditions) != 1 {
		t.Errorf("status after /status write: %+v", afterStatus.Status)
	}
	if afterStatus.Spec.Image != "my-awesome-cron-image" || afterStatus.Generation != 1 {
		t.Errorf("a /status write changed spec (%q) or generation (%d)", afterStatus.Spec.Image, afterStatus.Generation)
	}

	afterStatus.Status.Replicas = 0
	afterStatus.Labels = map[string]string{"team": "a"}
	afterMain, err := crontabs.Update(ctx, afterStatus, metav1.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if afterMain.Status.Replicas != 3 || afterMain.Generation != 1 || afterMain.Labels["team"] != "a" {
		t.Errorf("a metadata-only main write: status %+v, generation %d, labels %v", afterMain.Status, afterMain.Generation, afterMain.Labels)
	}
	afterMain.Spec.Replicas = ptr.To[int32](4)
	afterSpec, err := crontabs.Update(ctx, afterMain, metav1.UpdateOptions{})
	if err != nil || afterSpec.Generation != 2 {
		t.Fatalf("a spec change must bump generation to 2: %v, %d", err, afterSpec.Generation)
	}

	afterSpec.Status.Replicas = -1
	afterSpec.Status.LabelSelector = "app in ("
	_, err = crontabs.UpdateStatus(ctx, afterSpec, metav1.UpdateOptions{})
	expectInvalidFields(t, err, "status.labelSelector", "status.replicas")

	// The same through v1beta1.
	beta, err := cs.StableV1beta1().CronTabs("default").Get(ctx, "status", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	beta.Status.Replicas = 4
	if beta, err = cs.StableV1beta1().CronTabs("default").UpdateStatus(ctx, beta, metav1.UpdateOptions{}); err != nil || beta.Status.Replicas != 4 {
		t.Fatalf("v1beta1 status write: %v", err)
	}

	out, errOut, err := s.Kubectl(t, "get", "crontab", "status", "--subresource=status", "-o", "jsonpath={.status.replicas}")
	if err != nil || out != "4" {
		t.Errorf("kubectl get --subresource=status: %q %v %s", out, err, errOut)
	}

	// A Flunder's /status cannot change its spec either.
	flunders := cs.WardleV1beta1().Flunders("default")
	flunder, err := flunders.Create(ctx, &wardlev1beta1.Flunder{ObjectMeta: metav1.ObjectMeta{Name: "f"},
		Spec: wardlev1beta1.FlunderSpec{FlunderReference: "a"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	flunder.Spec.FlunderReference = "changed"
	if flunder, err = flunders.UpdateStatus(ctx, flunder, metav1.UpdateOptions{}); err != nil || flunder.Spec.FlunderReference != "a" {
		t.Errorf("Flunder /status write: %v, spec %+v", err, flunder.Spec)
	}
}

// TestServerSideApplyKeepsTheOtherHalf: a controller applies status, a user
// applies spec; neither wipes the other, as for CRDs.
func TestServerSideApplyKeepsTheOtherHalf(t *testing.T) {
	s := framework.StartServer(t, framework.ServerConfig{})
	crontabs := s.Clientset(t).StableV1().CronTabs("default")
	ctx := context.Background()

	user := stablev1ac.CronTab("ssa", "default").WithSpec(stablev1ac.CronTabSpec().WithCronSpec("* * * * *").WithImage("a").WithReplicas(2))
	if _, err := crontabs.Apply(ctx, user, metav1.ApplyOptions{FieldManager: "user"}); err != nil {
		t.Fatal(err)
	}
	controller := stablev1ac.CronTab("ssa", "default").WithStatus(stablev1ac.CronTabStatus().WithReplicas(2).WithLabelSelector("app=ssa"))
	afterStatus, err := crontabs.ApplyStatus(ctx, controller, metav1.ApplyOptions{FieldManager: "controller"})
	if err != nil {
		t.Fatalf("apply status: %v", err)
	}
	if afterStatus.Status.Replicas != 2 || afterStatus.Spec.Image != "a" {
		t.Errorf("after status apply: spec %+v status %+v", afterStatus.Spec, afterStatus.Status)
	}

	// The user applies again with a status of their own and a new image:
	// status is reset (ignored), spec changes, the controller's status stays.
	user.Spec.WithImage("b")
	user.WithStatus(stablev1ac.CronTabStatus().WithReplicas(7))
	afterUser, err := crontabs.Apply(ctx, user, metav1.ApplyOptions{FieldManager: "user"})
	if err != nil {
		t.Fatalf("apply spec: %v", err)
	}
	if afterUser.Spec.Image != "b" || afterUser.Status.Replicas != 2 || afterUser.Status.LabelSelector != "app=ssa" {
		t.Errorf("after spec apply: spec %+v status %+v", afterUser.Spec, afterUser.Status)
	}

	// The controller's next status apply does not wipe the user's spec.
	controller.Status.WithReplicas(3)
	final, err := crontabs.ApplyStatus(ctx, controller, metav1.ApplyOptions{FieldManager: "controller"})
	if err != nil || final.Spec.Image != "b" || *final.Spec.Replicas != 2 || final.Status.Replicas != 3 {
		t.Fatalf("second status apply: %v, spec %+v status %+v", err, final.Spec, final.Status)
	}
}

func TestScaleSubresource(t *testing.T) {
	s := framework.StartServer(t, framework.ServerConfig{})
	cs := s.Clientset(t)
	crontabs := cs.StableV1().CronTabs("default")
	ctx := context.Background()

	created, err := crontabs.Create(ctx, seedCronTab("my-new-cron-object"), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	created.Status = stablev1.CronTabStatus{Replicas: 3, LabelSelector: "stable.example.com/crontab=my-new-cron-object"}
	if _, err := crontabs.UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}

	scale, err := crontabs.GetScale(ctx, "my-new-cron-object", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if scale.Spec.Replicas != 3 || scale.Status.Replicas != 3 || scale.Status.Selector != "stable.example.com/crontab=my-new-cron-object" {
		t.Errorf("scale = %+v", scale)
	}

	stale := scale.DeepCopy()
	scale.Spec.Replicas = 6
	if scale, err = crontabs.UpdateScale(ctx, "my-new-cron-object", scale, metav1.UpdateOptions{}); err != nil || scale.Spec.Replicas != 6 {
		t.Fatalf("update scale: %v %+v", err, scale)
	}
	stale.Spec.Replicas = 2
	if _, err := crontabs.UpdateScale(ctx, "my-new-cron-object", stale, metav1.UpdateOptions{}); !apierrors.IsConflict(err) {
		t.Errorf("scale with a stale resourceVersion: %v, want 409", err)
	}
	unconditional := &autoscalingv1.Scale{ObjectMeta: metav1.ObjectMeta{Name: "my-new-cron-object", Namespace: "default"}, Spec: autoscalingv1.ScaleSpec{Replicas: 7}}
	if _, err := crontabs.UpdateScale(ctx, "my-new-cron-object", unconditional, metav1.UpdateOptions{}); err != nil {
		t.Errorf("scale without a resourceVersion: %v", err)
	}
	if got, _ := crontabs.Get(ctx, "my-new-cron-object", metav1.GetOptions{}); *got.Spec.Replicas != 7 || got.Generation != 3 {
		t.Errorf("after scaling: replicas %d generation %d", *got.Spec.Replicas, got.Generation)
	}

	// v1beta1 serves the same scale.
	betaScale, err := cs.StableV1beta1().CronTabs("default").GetScale(ctx, "my-new-cron-object", metav1.GetOptions{})
	if err != nil || betaScale.Spec.Replicas != 7 {
		t.Errorf("v1beta1 scale: %v %+v", err, betaScale)
	}

	// kubectl scale, and the refusal carries the message of a direct update.
	if out, errOut, err := s.Kubectl(t, "scale", "crontab", "my-new-cron-object", "--replicas=5"); err != nil {
		t.Fatalf("kubectl scale: %v %s %s", err, out, errOut)
	}
	if got, _ := crontabs.Get(ctx, "my-new-cron-object", metav1.GetOptions{}); *got.Spec.Replicas != 5 {
		t.Errorf("after kubectl scale: replicas %d", *got.Spec.Replicas)
	}
	_, errOut, err := s.Kubectl(t, "scale", "crontab", "my-new-cron-object", "--replicas=15")
	const message = "spec.replicas: Invalid value: 15: must be between 1 and 10, inclusive"
	if err == nil || !strings.Contains(errOut, message) {
		t.Errorf("kubectl scale --replicas=15: %v %q, want %q", err, errOut, message)
	}
	direct, _ := crontabs.Get(ctx, "my-new-cron-object", metav1.GetOptions{})
	direct.Spec.Replicas = ptr.To[int32](15)
	if _, err := crontabs.Update(ctx, direct, metav1.UpdateOptions{}); err == nil || !strings.Contains(err.Error(), message) {
		t.Errorf("direct update to 15: %v, want %q", err, message)
	}
	_, errOut, err = s.Kubectl(t, "scale", "crontab", "my-new-cron-object", "--replicas=4", "--resource-version=1")
	// kubectl checks --resource-version itself before it sends the scale.
	if err == nil || !strings.Contains(errOut, "resource version") {
		t.Errorf("kubectl scale with a stale --resource-version: %v %q", err, errOut)
	}
}

// TestScaleWritesRecordFieldOwnership: a write through /scale is recorded
// in the CronTab's managedFields as kube-apiserver records it for a CRD: an
// entry of its manager with subresource "scale" owning spec.replicas, which
// the manager that created the CronTab no longer owns.
func TestScaleWritesRecordFieldOwnership(t *testing.T) {
	s := framework.StartServer(t, framework.ServerConfig{})
	ctx := context.Background()
	crontabs := s.Clientset(t).StableV1beta1().CronTabs("default")
	if _, err := s.Clientset(t).StableV1().CronTabs("default").Create(ctx, &stablev1.CronTab{ObjectMeta: metav1.ObjectMeta{Name: "owned"},
		Spec: stablev1.CronTabSpec{CronSpec: "* * * * *", Image: "busybox", Replicas: ptr.To[int32](1)}}, metav1.CreateOptions{FieldManager: "creator"}); err != nil {
		t.Fatal(err)
	}
	if _, err := crontabs.UpdateScale(ctx, "owned", &autoscalingv1.Scale{ObjectMeta: metav1.ObjectMeta{Name: "owned"},
		Spec: autoscalingv1.ScaleSpec{Replicas: 4}}, metav1.UpdateOptions{FieldManager: "scaler"}); err != nil {
		t.Fatal(err)
	}
	ct, err := s.Clientset(t).StableV1().CronTabs("default").Get(ctx, "owned", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var scaler, creator *metav1.ManagedFieldsEntry
	for i, e := range ct.ManagedFields {
		switch e.Manager {
		case "scaler":
			scaler = &ct.ManagedFields[i]
		case "creator":
			creator = &ct.ManagedFields[i]
		}
	}
	if scaler == nil || scaler.Subresource != "scale" || scaler.FieldsV1 == nil || !strings.Contains(string(scaler.FieldsV1.Raw), `"f:replicas"`) {
		t.Errorf("the scale write's entry: %+v, want subresource scale owning f:spec.f:replicas (all: %+v)", scaler, ct.ManagedFields)
	}
	if scaler != nil && scaler.APIVersion != "stable.example.com/v1beta1" {
		t.Errorf("the scale write's entry has apiVersion %s, want the version the scale was written through", scaler.APIVersion)
	}
	if creator == nil || creator.FieldsV1 == nil || strings.Contains(string(creator.FieldsV1.Raw), `"f:replicas"`) {
		t.Errorf("the creator's entry %+v still owns spec.replicas (or is gone)", creator)
	}
	if ct.Spec.Replicas == nil || *ct.Spec.Replicas != 4 {
		t.Errorf("replicas %v, want 4", ct.Spec.Replicas)
	}
}
