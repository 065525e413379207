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

// TestSubresourceMethodsNotAllowed: other verbs than get, update and patch
// on a subresource get the 405 kube-apiserver gives for a CRD's, naming the
// group and resource; a subresource that is not served is a 404.
func TestSubresourceMethodsNotAllowed(t *testing.T) {
	s := framework.StartServer(t, framework.ServerConfig{})
	ctx := context.Background()
	if _, err := s.Clientset(t).StableV1().CronTabs("default").Create(ctx, &stablev1.CronTab{ObjectMeta: metav1.ObjectMeta{Name: "sub"},
		Spec: stablev1.CronTabSpec{CronSpec: "* * * * *", Image: "busybox", Replicas: ptr.To[int32](1)}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	client := s.Clientset(t).Discovery().RESTClient()
	for _, tc := range []struct {
		method, path, group, resource string
		code                          int
	}{
		{"POST", "/apis/stable.example.com/v1/namespaces/default/crontabs/sub/status", "stable.example.com", "crontabs", 405},
		{"DELETE", "/apis/stable.example.com/v1/namespaces/default/crontabs/sub/status", "stable.example.com", "crontabs", 405},
		{"DELETE", "/apis/stable.example.com/v1beta1/namespaces/default/crontabs/sub/scale", "stable.example.com", "crontabs", 405},
		{"POST", "/apis/wardle.example.com/v1beta1/namespaces/default/flunders/f/status", "wardle.example.com", "flunders", 405},
		{"POST", "/apis/wardle.example.com/v1beta1/namespaces/default/flunders/f/scale", "", "", 404},
	} {
		err := client.Verb(tc.method).AbsPath(tc.path).Body([]byte("{}")).Do(ctx).Error()
		status, ok := err.(apierrors.APIStatus)
		if !ok || int(status.Status().Code) != tc.code {
			t.Errorf("%s %s: %v, want %d", tc.method, tc.path, err, tc.code)
			continue
		}
		if details := status.Status().Details; tc.code == 405 && (details == nil || details.Group != tc.group || details.Kind != tc.resource) {
			t.Errorf("%s %s: details %+v, want group %s and kind %s", tc.method, tc.path, details, tc.group, tc.resource)
		}
	}
}
