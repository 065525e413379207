package testutil

import (
	"context"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	stablev1 "github.com/example/extension-apiserver/pkg/apis/stable/v1"
	clientset "github.com/example/extension-apiserver/pkg/generated/clientset/versioned"
)

// CreateCronTab creates a minimal valid CronTab in namespace default and
// fails the test when the server refuses it.
func CreateCronTab(t testing.TB, cs clientset.Interface, name, image string) *stablev1.CronTab {
	t.Helper()
	return CreateCronTabIn(t, cs, "default", name, image)
}

// CreateCronTabIn creates a minimal valid CronTab in namespace.
func CreateCronTabIn(t testing.TB, cs clientset.Interface, namespace, name, image string) *stablev1.CronTab {
	t.Helper()
	ct, err := cs.StableV1().CronTabs(namespace).Create(context.Background(), &stablev1.CronTab{ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: stablev1.CronTabSpec{CronSpec: "* * * * *", Image: image, Replicas: ptr.To[int32](1)}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return ct
}
