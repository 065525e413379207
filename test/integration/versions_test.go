package integration

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"

	"github.com/example/extension-apiserver/pkg/apis/stable"
	stablev1 "github.com/example/extension-apiserver/pkg/apis/stable/v1"
	wardlev1alpha1 "github.com/example/extension-apiserver/pkg/apis/wardle/v1alpha1"
	wardlev1beta1 "github.com/example/extension-apiserver/pkg/apis/wardle/v1beta1"
	"github.com/example/extension-apiserver/test/integration/framework"
)

// TestSameObjectInEveryVersion writes each kind in one version and reads it
// in the others.
func TestSameObjectInEveryVersion(t *testing.T) {
	s := framework.StartServer(t, framework.ServerConfig{})
	cs := s.Clientset(t)
	ctx := context.Background()

	crontab := &stablev1.CronTab{
		ObjectMeta: metav1.ObjectMeta{Name: "my-new-cron-object"},
		Spec:       stablev1.CronTabSpec{CronSpec: "* * * * */5", Image: "my-awesome-cron-image", Replicas: ptr.To[int32](3)},
	}
	if _, err := cs.StableV1().CronTabs("default").Create(ctx, crontab, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	beta, err := cs.StableV1beta1().CronTabs("default").Get(ctx, crontab.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if beta.Spec.Schedule != "* * * * */5" || beta.Spec.Image != "my-awesome-cron-image" || *beta.Spec.Replicas != 3 {
		t.Errorf("v1beta1 spec = %+v", beta.Spec)
	}

	flunder := &wardlev1alpha1.Flunder{ObjectMeta: metav1.ObjectMeta{Name: "alpha"},
		Spec: wardlev1alpha1.FlunderSpec{Reference: "my-fischer", ReferenceType: ptr.To(wardlev1alpha1.FischerReferenceType)}}
	if _, err := cs.WardleV1alpha1().Flunders("default").Create(ctx, flunder, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	flunderBeta, err := cs.WardleV1beta1().Flunders("default").Get(ctx, "alpha", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if want := (wardlev1beta1.FlunderSpec{FischerReference: "my-fischer", ReferenceType: wardlev1beta1.FischerReferenceType}); flunderBeta.Spec != want {
		t.Errorf("v1beta1 Flunder spec = %+v, want %+v", flunderBeta.Spec, want)
	}

	fischer := &wardlev1beta1.Fischer{ObjectMeta: metav1.ObjectMeta{Name: "beta-fischer"}, DisallowedFlunders: []string{"x", "y"}}
	if _, err := cs.WardleV1beta1().Fischers().Create(ctx, fischer, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	fischerAlpha, err := cs.WardleV1alpha1().Fischers().Get(ctx, "beta-fischer", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"x", "y"}, fischerAlpha.DisallowedFlunders); diff != "" {
		t.Errorf("v1alpha1 Fischer: %s", diff)
	}
}

// TestV1ThroughV1beta1IsLosslessOnTheServer reads a v1 object with every
// field set through v1beta1, writes it back unchanged through v1beta1, and
// expects the same v1 object.
func TestV1ThroughV1beta1IsLosslessOnTheServer(t *testing.T) {
	s := framework.StartServer(t, framework.ServerConfig{})
	cs := s.Clientset(t)
	ctx := context.Background()

	original, err := cs.StableV1().CronTabs("default").Create(ctx, &stablev1.CronTab{
		ObjectMeta: metav1.ObjectMeta{Name: "full", Labels: map[string]string{"app": "cron"}, Annotations: map[string]string{"note": "kept"}},
		Spec:       stablev1.CronTabSpec{CronSpec: "*/5 0 * * 1", Image: "busybox:1.36", Replicas: ptr.To[int32](7), Suspend: ptr.To(true)},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	beta, err := cs.StableV1beta1().CronTabs("default").Get(ctx, "full", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if beta.Annotations[stable.SuspendAnnotation] != "true" {
		t.Errorf("v1beta1 annotations = %v, want %s", beta.Annotations, stable.SuspendAnnotation)
	}
	if _, err := cs.StableV1beta1().CronTabs("default").Update(ctx, beta, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("writing the v1beta1 object back: %v", err)
	}
	after, err := cs.StableV1().CronTabs("default").Get(ctx, "full", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(original.Spec, after.Spec); diff != "" {
		t.Errorf("spec changed (-before +after):\n%s", diff)
	}
	if diff := cmp.Diff(original.Annotations, after.Annotations); diff != "" {
		t.Errorf("annotations changed (-before +after):\n%s", diff)
	}
	if diff := cmp.Diff(original.Labels, after.Labels); diff != "" {
		t.Errorf("labels changed (-before +after):\n%s", diff)
	}
	if after.Generation != original.Generation {
		t.Errorf("generation %d -> %d: an unchanged write must not bump it", original.Generation, after.Generation)
	}
}

// TestStorageVersionsAndSharedEtcd runs two servers on one etcd with
// different storage versions for wardle: each writes its own storage
// version, and each reads and watches what the other wrote.
func TestStorageVersionsAndSharedEtcd(t *testing.T) {
	etcd := framework.StartEtcd(t)
	first := framework.StartServer(t, framework.ServerConfig{Etcd: etcd})
	second := framework.StartServer(t, framework.ServerConfig{Etcd: etcd, Args: []string{"--storage-versions", "wardle.example.com=v1alpha1"}})
	ctx := context.Background()
	etcdClient := etcd.Client(t)

	storedAPIVersion := func(key string) string {
		t.Helper()
		resp, err := etcdClient.Get(ctx, key)
		if err != nil || len(resp.Kvs) != 1 {
			t.Fatalf("etcd get %s: %v (%d keys)", key, err, len(resp.Kvs))
		}
		// The protobuf envelope: "k8s\x00", then runtime.Unknown.
		value := resp.Kvs[0].Value
		var unknown runtime.Unknown
		if len(value) < 4 || string(value[:4]) != "k8s\x00" {
			t.Fatalf("%s is not protobuf: %q", key, value)
		}
		if err := unknown.Unmarshal(value[4:]); err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		return unknown.APIVersion
	}

	watcher, err := second.Clientset(t).WardleV1beta1().Fischers().Watch(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer watcher.Stop()

	if _, err := first.Clientset(t).WardleV1beta1().Fischers().Create(ctx,
		&wardlev1beta1.Fischer{ObjectMeta: metav1.ObjectMeta{Name: "from-first"}, DisallowedFlunders: []string{"a"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := storedAPIVersion("/extension-apiserver/wardle.example.com/fischers/from-first"); got != "wardle.example.com/v1beta1" {
		t.Errorf("first server stored %s, want its default wardle.example.com/v1beta1", got)
	}
	if _, err := second.Clientset(t).WardleV1alpha1().Fischers().Create(ctx,
		&wardlev1alpha1.Fischer{ObjectMeta: metav1.ObjectMeta{Name: "from-second"}, DisallowedFlunders: []string{"b"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := storedAPIVersion("/extension-apiserver/wardle.example.com/fischers/from-second"); got != "wardle.example.com/v1alpha1" {
		t.Errorf("second server stored %s, want wardle.example.com/v1alpha1 from --storage-versions", got)
	}
	if _, err := first.Clientset(t).StableV1().CronTabs("default").Create(ctx, &stablev1.CronTab{ObjectMeta: metav1.ObjectMeta{Name: "ct"},
		Spec: stablev1.CronTabSpec{CronSpec: "* * * * *", Image: "i"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := storedAPIVersion("/extension-apiserver/stable.example.com/crontabs/default/ct"); got != "stable.example.com/v1" {
		t.Errorf("crontab stored as %s, want stable.example.com/v1", got)
	}

	// Each server reads what the other wrote, in every version.
	for _, s := range []*framework.Server{first, second} {
		list, err := s.Clientset(t).WardleV1alpha1().Fischers().List(ctx, metav1.ListOptions{})
		if err != nil || len(list.Items) != 2 {
			t.Fatalf("%s lists %d fischers (%v), want 2", s.URL, len(list.Items), err)
		}
		if _, err := s.Clientset(t).StableV1beta1().CronTabs("default").Get(ctx, "ct", metav1.GetOptions{}); err != nil {
			t.Errorf("%s: %v", s.URL, err)
		}
	}
	// The second server's watch saw the first server's write, then its own.
	for _, want := range []string{"from-first", "from-second"} {
		ev := framework.NextEvent(t, watcher)
		if f, ok := ev.Object.(*wardlev1beta1.Fischer); !ok || f.Name != want {
			t.Errorf("watch event %s %v, want ADDED %s", ev.Type, ev.Object, want)
		}
	}
}
