package integration

import (
	"context"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/example/extension-apiserver/test/integration/framework"
)

// TestValidationRatcheting stores a CronTab that today's rules refuse
// (replicas 12, above the maximum of 10), as an older server with looser
// rules would have, and updates it through the API: writes that leave the
// invalid field alone pass, a write that changes it must satisfy today's
// rules.
func TestValidationRatcheting(t *testing.T) {
	etcd := framework.StartEtcd(t)
	s := framework.StartServer(t, framework.ServerConfig{Etcd: etcd})
	ctx := context.Background()
	legacy := `{"apiVersion":"stable.example.com/v1","kind":"CronTab","metadata":{"name":"legacy","namespace":"default",` +
		`"uid":"0b9c8d2e-52f4-4c1e-9f0a-6c1d3e0f4a11","generation":1,"creationTimestamp":"2026-01-01T00:00:00Z","finalizers":["example.com/hold"]},` +
		`"spec":{"cronSpec":"* * * * *","image":"busybox","replicas":12,"suspend":false},"status":{}}`
	if _, err := etcd.Client(t).Put(ctx, "/extension-apiserver/stable.example.com/crontabs/default/legacy", legacy); err != nil {
		t.Fatal(err)
	}
	crontabs := s.Clientset(t).StableV1().CronTabs("default")
	patch := func(body string, subresources ...string) error {
		t.Helper()
		_, err := crontabs.Patch(ctx, "legacy", types.MergePatchType, []byte(body), metav1.PatchOptions{}, subresources...)
		return err
	}
	for what, body := range map[string]string{
		"label":      `{"metadata":{"labels":{"team":"a"}}}`,
		"annotation": `{"metadata":{"annotations":{"note":"kept"}}}`,
		"image":      `{"spec":{"image":"busybox:1.36"}}`,
	} {
		if err := patch(body); err != nil {
			t.Errorf("%s on a stored CronTab with replicas above today's maximum: %v", what, err)
		}
	}
	if err := patch(`{"status":{"replicas":12}}`, "status"); err != nil {
		t.Errorf("status write: %v", err)
	}
	if err := patch(`{"spec":{"replicas":11}}`); !apierrors.IsInvalid(err) {
		t.Errorf("changing replicas to another invalid value: %v, want 422", err)
	}
	if err := patch(`{"spec":{"image":" busybox"}}`); !apierrors.IsInvalid(err) {
		t.Errorf("breaking another field beside the ratcheted one: %v, want 422", err)
	}
	if err := crontabs.Delete(ctx, "legacy", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := patch(`{"metadata":{"finalizers":null}}`); err != nil {
		t.Errorf("finalizer removal: %v", err)
	}
	if _, err := crontabs.Get(ctx, "legacy", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("after its finalizer went: %v, want 404", err)
	}
}
