package integration

import (
	"context"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	samplev1alpha1 "k8s.io/sample-apiserver/pkg/apis/wardle/v1alpha1"
	samplev1beta1 "k8s.io/sample-apiserver/pkg/apis/wardle/v1beta1"
	sampleclientset "k8s.io/sample-apiserver/pkg/generated/clientset/versioned"
	"k8s.io/utils/ptr"

	"github.com/example/extension-apiserver/test/integration/framework"
)

// TestSampleAPIServerClientset drives the server with k8s.io/sample-apiserver
// v0.37.2's own generated clientset: what works against sample-apiserver
// works against this server.
func TestSampleAPIServerClientset(t *testing.T) {
	s := framework.StartServer(t, framework.ServerConfig{})
	sample := sampleclientset.NewForConfigOrDie(s.Config)
	ctx := context.Background()

	t.Run("Flunder v1alpha1", func(t *testing.T) {
		flunders := sample.WardleV1alpha1().Flunders("default")
		w, err := flunders.Watch(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer w.Stop()
		created, err := flunders.Create(ctx, &samplev1alpha1.Flunder{ObjectMeta: metav1.ObjectMeta{Name: "compat-alpha"},
			Spec: samplev1alpha1.FlunderSpec{Reference: "other"}}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if created.Spec.ReferenceType == nil || *created.Spec.ReferenceType != samplev1alpha1.FlunderReferenceType {
			t.Errorf("referenceType = %v, want the Flunder default", created.Spec.ReferenceType)
		}
		if ev := framework.NextEvent(t, w); ev.Object.(*samplev1alpha1.Flunder).Name != "compat-alpha" {
			t.Errorf("watch event %v", ev)
		}
		created.Spec.Reference, created.Spec.ReferenceType = "my-fischer", ptr.To(samplev1alpha1.FischerReferenceType)
		updated, err := flunders.Update(ctx, created, metav1.UpdateOptions{})
		if err != nil || updated.Spec.Reference != "my-fischer" {
			t.Fatalf("update: %v %+v", err, updated)
		}
		if got, err := flunders.Get(ctx, "compat-alpha", metav1.GetOptions{}); err != nil || *got.Spec.ReferenceType != samplev1alpha1.FischerReferenceType {
			t.Fatalf("get: %v %+v", err, got)
		}
		if list, err := flunders.List(ctx, metav1.ListOptions{}); err != nil || len(list.Items) != 1 {
			t.Fatalf("list: %v", err)
		}
		if err := flunders.Delete(ctx, "compat-alpha", metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("Flunder v1beta1", func(t *testing.T) {
		flunders := sample.WardleV1beta1().Flunders("default")
		w, err := flunders.Watch(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer w.Stop()
		created, err := flunders.Create(ctx, &samplev1beta1.Flunder{ObjectMeta: metav1.ObjectMeta{Name: "compat-beta"},
			Spec: samplev1beta1.FlunderSpec{FischerReference: "f", ReferenceType: samplev1beta1.FischerReferenceType}}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if ev := framework.NextEvent(t, w); ev.Object.(*samplev1beta1.Flunder).Name != "compat-beta" {
			t.Errorf("watch event %v", ev)
		}
		created.Spec = samplev1beta1.FlunderSpec{FlunderReference: "g", ReferenceType: samplev1beta1.FlunderReferenceType}
		if _, err := flunders.Update(ctx, created, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		if got, err := flunders.Get(ctx, "compat-beta", metav1.GetOptions{}); err != nil || got.Spec.FlunderReference != "g" {
			t.Fatalf("get: %v %+v", err, got)
		}
		if list, err := flunders.List(ctx, metav1.ListOptions{}); err != nil || len(list.Items) != 1 {
			t.Fatalf("list: %v", err)
		}
		if err := flunders.Delete(ctx, "compat-beta", metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("Fischer v1alpha1", func(t *testing.T) {
		fischers := sample.WardleV1alpha1().Fischers()
		w, err := fischers.Watch(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer w.Stop()
		created, err := fischers.Create(ctx, &samplev1alpha1.Fischer{ObjectMeta: metav1.ObjectMeta{Name: "compat"},
			DisallowedFlunders: []string{"a"}}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if ev := framework.NextEvent(t, w); ev.Object.(*samplev1alpha1.Fischer).Name != "compat" {
			t.Errorf("watch event %v", ev)
		}
		created.DisallowedFlunders = append(created.DisallowedFlunders, "b")
		if _, err := fischers.Update(ctx, created, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		if got, err := fischers.Get(ctx, "compat", metav1.GetOptions{}); err != nil || len(got.DisallowedFlunders) != 2 {
			t.Fatalf("get: %v %+v", err, got)
		}
		if list, err := fischers.List(ctx, metav1.ListOptions{}); err != nil || len(list.Items) != 1 {
			t.Fatalf("list: %v", err)
		}
		if err := fischers.Delete(ctx, "compat", metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
	})
}
