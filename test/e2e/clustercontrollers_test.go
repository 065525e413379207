package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	corev1 "k8s.io/api/core/v1"
	svmv1 "k8s.io/api/storagemigration/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/example/extension-apiserver/internal/testutil"
	"github.com/example/extension-apiserver/pkg/admission/plugin/crontabcleanup"
	wardlev1beta1 "github.com/example/extension-apiserver/pkg/apis/wardle/v1beta1"
	"github.com/example/extension-apiserver/pkg/storagemigration"
)

func (c *testCluster) kubeClientset(t *testing.T) kubernetes.Interface {
	t.Helper()
	config, err := clientcmd.BuildConfigFromFlags("", c.AdminKubeconfig())
	if err != nil {
		t.Fatal(err)
	}
	return kubernetes.NewForConfigOrDie(config)
}

// namespaceDeletionBound is how long the namespace controller may take to
// delete a namespace holding this server's objects, one of them held by a
// finalizer that the CronTab controller releases.
const namespaceDeletionBound = 60 * time.Second

// TestNamespaceDeletionDeletesAggregatedObjects: kube-controller-manager's
// namespace controller finds CronTabs and Flunders through aggregated
// discovery and deletes them; a CronTab held by the cleanup finalizer goes
// once the CronTab controller has run its cleanup.
func TestNamespaceDeletionDeletesAggregatedObjects(t *testing.T) {
	namespace := shared.namespace(t)
	ctx := context.Background()
	cs := shared.adminClientset(t)
	ct, err := cs.StableV1().CronTabs(namespace).Create(ctx, crontabWith("held", "busybox", 1), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ct.Finalizers) != 1 || ct.Finalizers[0] != crontabcleanup.Finalizer {
		t.Fatalf("finalizers %v, want the cleanup finalizer from CronTabCleanup", ct.Finalizers)
	}
	if _, err := cs.WardleV1beta1().Flunders(namespace).Create(ctx, &wardlev1beta1.Flunder{ObjectMeta: metav1.ObjectMeta{Name: "plain"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	shared.kubectl(t, "delete", "namespace", namespace, "--wait=false")
	kube := shared.kubeClientset(t)
	testutil.WaitFor(t, namespaceDeletionBound, "the namespace to be gone", func(ctx context.Context) (bool, error) {
		_, err := kube.CoreV1().Namespaces().Get(ctx, namespace, metav1.GetOptions{})
		return apierrors.IsNotFound(err), nil
	})
	t.Logf("namespace with a CronTab held by the cleanup finalizer and a Flunder deleted in %.1fs", time.Since(start).Seconds())
	if _, err := cs.StableV1().CronTabs(namespace).Get(ctx, "held", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("the CronTab outlived its namespace: %v", err)
	}
	if _, err := cs.WardleV1beta1().Flunders(namespace).Get(ctx, "plain", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("the Flunder outlived its namespace: %v", err)
	}
}

// TestGarbageCollectionOfOwnedFlunders: a Flunder owned by a ConfigMap goes
// with it (background and foreground propagation) and stays, released,
// with orphan propagation.
func TestGarbageCollectionOfOwnedFlunders(t *testing.T) {
	namespace := shared.namespace(t)
	ctx := context.Background()
	kube := shared.kubeClientset(t)
	flunders := shared.adminClientset(t).WardleV1beta1().Flunders(namespace)
	for _, policy := range []metav1.DeletionPropagation{metav1.DeletePropagationBackground, metav1.DeletePropagationForeground, metav1.DeletePropagationOrphan} {
		t.Run(string(policy), func(t *testing.T) {
			name := "owned-" + strings.ToLower(string(policy))
			owner, err := kube.CoreV1().ConfigMaps(namespace).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
			if err != nil {
				t.Fatal(err)
			}
			block := true
			if _, err := flunders.Create(ctx, &wardlev1beta1.Flunder{ObjectMeta: metav1.ObjectMeta{Name: name, OwnerReferences: []metav1.OwnerReference{{
				APIVersion: "v1", Kind: "ConfigMap", Name: owner.Name, UID: owner.UID, BlockOwnerDeletion: &block,
			}}}}, metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			if err := kube.CoreV1().ConfigMaps(namespace).Delete(ctx, name, metav1.DeleteOptions{PropagationPolicy: &policy}); err != nil {
				t.Fatal(err)
			}
			testutil.WaitFor(t, time.Minute, "the ConfigMap to be gone", func(ctx context.Context) (bool, error) {
				_, err := kube.CoreV1().ConfigMaps(namespace).Get(ctx, name, metav1.GetOptions{})
				return apierrors.IsNotFound(err), nil
			})
			if policy == metav1.DeletePropagationOrphan {
				testutil.WaitFor(t, time.Minute, "the garbage collector to release the orphan", func(ctx context.Context) (bool, error) {
					f, err := flunders.Get(ctx, name, metav1.GetOptions{})
					if err != nil {
						return false, err
					}
					return len(f.OwnerReferences) == 0, nil
				})
				if err := flunders.Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
					t.Errorf("the orphaned Flunder: %v", err)
				}
				return
			}
			testutil.WaitFor(t, time.Minute, "the garbage collector to delete the Flunder", func(ctx context.Context) (bool, error) {
				_, err := flunders.Get(ctx, name, metav1.GetOptions{})
				return apierrors.IsNotFound(err), nil
			})
			t.Logf("%s: owner and Flunder gone %.1fs after the delete", policy, time.Since(start).Seconds())
		})
	}
}

// TestResourceQuotaCountsCronTabs: count/crontabs.stable.example.com quotas
// hold for this server's objects (its ResourceQuota admission plugin), and
// the cluster's quota controller reports their usage.
func TestResourceQuotaCountsCronTabs(t *testing.T) {
	namespace := shared.namespace(t)
	shared.kubectl(t, "create", "quota", "crontabs", "--namespace="+namespace, "--hard=count/crontabs.stable.example.com=2")
	ctx := context.Background()
	kube := shared.kubeClientset(t)
	testutil.WaitFor(t, time.Minute, "the quota controller to compute the quota's usage", func(ctx context.Context) (bool, error) {
		q, err := kube.CoreV1().ResourceQuotas(namespace).Get(ctx, "crontabs", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		_, counted := q.Status.Used["count/crontabs.stable.example.com"]
		return counted, nil
	})
	crontabs := shared.adminClientset(t).StableV1().CronTabs(namespace)
	for i := range 2 {
		if _, err := crontabs.Create(ctx, crontabWith(fmt.Sprintf("ct-%d", i), "busybox", 1), metav1.CreateOptions{}); err != nil {
			t.Fatalf("CronTab %d of 2 allowed: %v", i+1, err)
		}
	}
	_, err := crontabs.Create(ctx, crontabWith("ct-2", "busybox", 1), metav1.CreateOptions{})
	if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "exceeded quota: crontabs") || !strings.Contains(err.Error(), "count/crontabs.stable.example.com=2") {
		t.Errorf("third CronTab: %v, want 403 exceeded quota: crontabs, ...count/crontabs.stable.example.com=2", err)
	}
	var described string
	testutil.WaitFor(t, time.Minute, "kubectl describe quota to show 2 of 2 used", func(ctx context.Context) (bool, error) {
		described = shared.kubectl(t, "describe", "quota", "crontabs", "--namespace="+namespace)
		for _, line := range strings.Split(described, "\n") {
			if fields := strings.Fields(line); len(fields) == 3 && fields[0] == "count/crontabs.stable.example.com" {
				return fields[1] == "2" && fields[2] == "2", nil
			}
		}
		return false, nil
	})
	t.Logf("kubectl describe quota:\n%s", described)
}

// TestInTreeStorageVersionMigration: after the server's storage encoding
// changes (its own migration turned off), a StorageVersionMigration of
// kube-controller-manager's migrator rewrites every CronTab through the
// aggregated API, and etcd then holds each in the new encoding.
func TestInTreeStorageVersionMigration(t *testing.T) {
	c := ownCluster(t)
	namespace := c.namespace(t)
	ctx := context.Background()
	crontabs := c.adminClientset(t).StableV1().CronTabs(namespace)
	for i := range 5 {
		if _, err := crontabs.Create(ctx, crontabWith(fmt.Sprintf("ct-%d", i), "busybox", 1), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	etcd, err := clientv3.New(clientv3.Config{Endpoints: []string{c.EtcdURL}, DialTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer etcd.Close()
	const keys = "/extension-apiserver/stable.example.com/crontabs/"
	encodings := func() map[string]int {
		t.Helper()
		resp, err := etcd.Get(ctx, keys, clientv3.WithPrefix())
		if err != nil {
			t.Fatal(err)
		}
		counts := map[string]int{}
		for _, kv := range resp.Kvs {
			counts[storagemigration.EncodingOf(kv.Value).String()]++
		}
		return counts
	}
	if got := encodings(); got["stable.example.com/v1 "+runtime.ContentTypeProtobuf] == 0 || len(got) != 1 {
		t.Fatalf("CronTabs in etcd before: %v, want stable.example.com/v1 protobuf only", got)
	}

	if err := c.RestartExtensionAPIServer(ctx, "--storage-media-type=application/json", "--automatic-storage-migration=false"); err != nil {
		t.Fatal(err)
	}
	svm := &svmv1.StorageVersionMigration{ObjectMeta: metav1.ObjectMeta{Name: "crontabs-to-json"},
		Spec: svmv1.StorageVersionMigrationSpec{Resource: metav1.GroupResource{Group: "stable.example.com", Resource: "crontabs"}}}
	migrations := c.kubeClientset(t).StoragemigrationV1().StorageVersionMigrations()
	if _, err := migrations.Create(ctx, svm, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	testutil.WaitFor(t, 3*time.Minute, "the StorageVersionMigration to succeed", func(ctx context.Context) (bool, error) {
		svm, err = migrations.Get(ctx, svm.Name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		if apimeta.IsStatusConditionTrue(svm.Status.Conditions, string(svmv1.MigrationFailed)) {
			return false, fmt.Errorf("migration failed: %+v", svm.Status)
		}
		return apimeta.IsStatusConditionTrue(svm.Status.Conditions, string(svmv1.MigrationSucceeded)), nil
	})
	status, _ := json.Marshal(svm.Status)
	t.Logf("StorageVersionMigration succeeded in %.1fs: %s", time.Since(start).Seconds(), status)
	crontabCount := 0
	for encoding, n := range encodings() {
		crontabCount += n
		if encoding != "stable.example.com/v1 "+runtime.ContentTypeJSON {
			t.Errorf("%d CronTabs stored as %s after the migration, want stable.example.com/v1 JSON", n, encoding)
		}
	}
	if crontabCount < 5 {
		t.Errorf("%d CronTabs in etcd, want at least the 5 created", crontabCount)
	}
}
