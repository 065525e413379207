package integration

import (
	"context"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	stablev1 "github.com/example/extension-apiserver/pkg/apis/stable/v1"
	"github.com/example/extension-apiserver/test/integration/framework"
)

// TestPatchOfTheWrongTypeNamesObjectAndField: a patch giving a field a
// value of the wrong JSON type gets a 422 naming the object and the field,
// as kube-apiserver answers for a CRD, on the resource and on /status.
func TestPatchOfTheWrongTypeNamesObjectAndField(t *testing.T) {
	s := framework.StartServer(t, framework.ServerConfig{})
	ctx := context.Background()
	crontabs := s.Clientset(t).StableV1().CronTabs("default")
	if _, err := crontabs.Create(ctx, &stablev1.CronTab{ObjectMeta: metav1.ObjectMeta{Name: "typed"},
		Spec: stablev1.CronTabSpec{CronSpec: "* * * * *", Image: "busybox", Replicas: ptr.To[int32](1)}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name        string
		patchType   types.PatchType
		patch       string
		subresource []string
		field       string
	}{
		{"merge patch of status", types.MergePatchType, `{"status":{"replicas":"string"}}`, []string{"status"}, "status.replicas"},
		{"merge patch of spec", types.MergePatchType, `{"spec":{"replicas":"three"}}`, nil, "spec.replicas"},
		{"JSON patch of spec", types.JSONPatchType, `[{"op":"replace","path":"/spec/suspend","value":"yes"}]`, nil, "spec.suspend"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := crontabs.Patch(ctx, "typed", tc.patchType, []byte(tc.patch), metav1.PatchOptions{}, tc.subresource...)
			status, ok := err.(apierrors.APIStatus)
			if !ok || !apierrors.IsInvalid(err) {
				t.Fatalf("got %v, want 422", err)
			}
			t.Log(err)
			details := status.Status().Details
			if details == nil || details.Group != "stable.example.com" || details.Kind != "CronTab" || details.Name != "typed" ||
				len(details.Causes) != 1 || details.Causes[0].Field != tc.field {
				t.Errorf("details %+v, want CronTab.stable.example.com %q with one cause on %s (%v)", details, "typed", tc.field, err)
			}
		})
	}
}
