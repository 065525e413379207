package integration

import (
	"context"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"

	wardlev1alpha1 "github.com/example/extension-apiserver/pkg/apis/wardle/v1alpha1"
	clientset "github.com/example/extension-apiserver/pkg/generated/clientset/versioned"
	"github.com/example/extension-apiserver/test/integration/framework"
)

// TestProtobuf serves and stores every kind as protobuf: the generated
// clientset speaks it, and etcd holds it (the default --storage-media-type).
func TestProtobuf(t *testing.T) {
	etcd := framework.StartEtcd(t)
	s := framework.StartServer(t, framework.ServerConfig{Etcd: etcd})
	config := rest.CopyConfig(s.Config)
	config.ContentType = "application/vnd.kubernetes.protobuf"
	config.AcceptContentTypes = "application/vnd.kubernetes.protobuf"
	cs := clientset.NewForConfigOrDie(config)
	ctx := context.Background()

	created, err := cs.StableV1().CronTabs("default").Create(ctx, seedCronTab("proto"), metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create over protobuf: %v", err)
	}
	if created.Spec.CronSpec != "* * * * */5" || *created.Spec.Replicas != 3 {
		t.Errorf("created %+v", created.Spec)
	}
	beta, err := cs.StableV1beta1().CronTabs("default").Get(ctx, "proto", metav1.GetOptions{})
	if err != nil || beta.Spec.Schedule != "* * * * */5" {
		t.Fatalf("get in v1beta1 over protobuf: %v %+v", err, beta)
	}
	if _, err := cs.WardleV1alpha1().Flunders("default").Create(ctx, &wardlev1alpha1.Flunder{ObjectMeta: metav1.ObjectMeta{Name: "proto"},
		Spec: wardlev1alpha1.FlunderSpec{Reference: "other"}}, metav1.CreateOptions{}); err != nil {
		t.Fatalf("Flunder over protobuf: %v", err)
	}
	if list, err := cs.WardleV1beta1().Flunders("default").List(ctx, metav1.ListOptions{}); err != nil || len(list.Items) != 1 {
		t.Fatalf("list over protobuf: %v", err)
	}

	// etcd holds protobuf: the Kubernetes protobuf envelope starts with "k8s\x00".
	resp, err := etcd.Client(t).Get(ctx, "/extension-apiserver/stable.example.com/crontabs/default/proto")
	if err != nil || len(resp.Kvs) != 1 || string(resp.Kvs[0].Value[:4]) != "k8s\x00" {
		t.Errorf("etcd does not hold protobuf: %v %q", err, resp.Kvs)
	}
	// A JSON client reads the same object.
	if got, err := s.Clientset(t).StableV1().CronTabs("default").Get(ctx, "proto", metav1.GetOptions{}); err != nil || got.Spec.Image != "my-awesome-cron-image" {
		t.Errorf("JSON read of a protobuf-stored object: %v", err)
	}
}

// TestStorageMediaTypeChange restarts a server that stored JSON with the
// protobuf default: what was written before stays readable and writable,
// and is stored in protobuf when next written.
func TestStorageMediaTypeChange(t *testing.T) {
	etcd := framework.StartEtcd(t)
	ctx := context.Background()
	key := "/extension-apiserver/stable.example.com/crontabs/default/older"
	stored := func() string {
		t.Helper()
		resp, err := etcd.Client(t).Get(ctx, key)
		if err != nil || len(resp.Kvs) != 1 {
			t.Fatalf("etcd get %s: %v", key, err)
		}
		if string(resp.Kvs[0].Value[:4]) == "k8s\x00" {
			return "protobuf"
		}
		return string(resp.Kvs[0].Value[:1])
	}

	jsonServer := framework.StartServer(t, framework.ServerConfig{Etcd: etcd, Args: []string{"--storage-media-type=application/json"}})
	if _, err := jsonServer.Clientset(t).StableV1().CronTabs("default").Create(ctx, seedCronTab("older"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := stored(); got != "{" {
		t.Fatalf("--storage-media-type=application/json stored %q", got)
	}
	jsonServer.Stop()

	// Automatic migration would rewrite the object itself (and race the
	// update below); the migration tests cover that path.
	s := framework.StartServer(t, framework.ServerConfig{Etcd: etcd, Args: []string{"--automatic-storage-migration=false"}})
	cs := s.Clientset(t).StableV1().CronTabs("default")
	older, err := cs.Get(ctx, "older", metav1.GetOptions{})
	if err != nil || older.Spec.Image != "my-awesome-cron-image" {
		t.Fatalf("JSON stored before, read after the change: %v", err)
	}
	older.Spec.Image = "rewritten"
	if _, err := cs.Update(ctx, older, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := stored(); got != "protobuf" {
		t.Errorf("rewritten object stored as %q, want protobuf", got)
	}
}
