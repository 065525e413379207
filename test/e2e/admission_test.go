package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/utils/ptr"

	"github.com/example/extension-apiserver/internal/testutil"
	"github.com/example/extension-apiserver/pkg/apis/stable"
	stablev1 "github.com/example/extension-apiserver/pkg/apis/stable/v1"
	wardlev1beta1 "github.com/example/extension-apiserver/pkg/apis/wardle/v1beta1"
	clientset "github.com/example/extension-apiserver/pkg/generated/clientset/versioned"
)

func (c *testCluster) adminClientset(t *testing.T) clientset.Interface {
	t.Helper()
	config, err := clientcmd.BuildConfigFromFlags("", c.AdminKubeconfig())
	if err != nil {
		t.Fatal(err)
	}
	return clientset.NewForConfigOrDie(config)
}

func crontabWith(name, image string, replicas int32) *stablev1.CronTab {
	return &stablev1.CronTab{ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: stablev1.CronTabSpec{CronSpec: "* * * * *", Image: image, Replicas: ptr.To(replicas)}}
}

// eventually retries f until it returns nil or 30s pass: informers of the
// server learn about namespaces and policies asynchronously.
func eventually(t *testing.T, f func() error) error {
	t.Helper()
	return testutil.PollNoError(context.Background(), 30*time.Second, func(context.Context) error { return f() })
}

func TestCronTabReplicaLimitThroughTheAggregator(t *testing.T) {
	namespace := shared.namespace(t)
	shared.kubectl(t, "annotate", "namespace", namespace, "stable.example.com/max-replicas=2")
	ctx := context.Background()
	limited := shared.adminClientset(t).StableV1().CronTabs(namespace)

	err := eventually(t, func() error {
		_, err := limited.Create(ctx, crontabWith("too-many", "busybox", 3), metav1.CreateOptions{})
		if apierrors.IsForbidden(err) {
			return nil
		}
		if err == nil {
			_ = limited.Delete(ctx, "too-many", metav1.DeleteOptions{})
		}
		return err
	})
	if err != nil {
		t.Fatalf("3 replicas where the namespace allows 2: want 403, last: %v", err)
	}
	if _, err := limited.Create(ctx, crontabWith("fits", "busybox", 2), metav1.CreateOptions{}); err != nil {
		t.Fatalf("2 replicas: %v", err)
	}
	_, err = shared.Kubectl(ctx, "scale", "crontabs.stable.example.com", "fits", "--namespace="+namespace, "--replicas=3")
	if err == nil || !strings.Contains(err.Error(), "CronTabReplicaLimit") {
		t.Errorf("kubectl scale beyond the namespace limit: %v", err)
	}

	// Without the annotation, the configured default applies.
	_, err = shared.adminClientset(t).StableV1().CronTabs(shared.namespace(t)).Create(ctx, crontabWith("over-default", "busybox", defaultMaxReplicas+1), metav1.CreateOptions{})
	if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "defaultMaxReplicas") {
		t.Errorf("%d replicas with a default of %d: %v", defaultMaxReplicas+1, defaultMaxReplicas, err)
	}
}

// TestCronTabClassLimitThroughTheAggregator: a CronTab labelled with a
// CronTabClass may not have more replicas than the class allows, whether
// created or scaled, and may not name a class that does not exist.
func TestCronTabClassLimitThroughTheAggregator(t *testing.T) {
	// The example class ("small": maxReplicas 2), under a name of the test's own.
	class := testObjectName(t, "small")
	example, err := os.ReadFile("../../artifacts/examples/crontabclass-v1.yaml")
	if err != nil {
		t.Fatal(err)
	}
	classFile := filepath.Join(t.TempDir(), "class.yaml")
	if err := os.WriteFile(classFile, []byte(strings.Replace(string(example), "name: small", "name: "+class, 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	shared.kubectl(t, "apply", "-f", classFile)
	t.Cleanup(func() {
		_, _ = shared.Kubectl(context.Background(), "delete", "crontabclass.stable.example.com", class)
	})
	if out := strings.Join(strings.Fields(shared.kubectl(t, "get", "ctc", class)), " "); !strings.Contains(out, "MAX REPLICAS AGE "+class+" 2") {
		t.Errorf("kubectl get ctc %s = %q", class, out)
	}
	namespace := shared.namespace(t)
	ctx := context.Background()
	crontabs := shared.adminClientset(t).StableV1().CronTabs(namespace)
	ofClass := func(name, class string, replicas int32) *stablev1.CronTab {
		c := crontabWith(name, "busybox", replicas)
		c.Labels = map[string]string{stable.ClassLabel: class}
		return c
	}
	err = eventually(t, func() error { // until the server's informer has the class
		_, err := crontabs.Create(ctx, ofClass("over-class", class, 3), metav1.CreateOptions{})
		if apierrors.IsForbidden(err) && strings.Contains(err.Error(), `CronTabClass "`+class+`"`) {
			return nil
		}
		if err == nil {
			_ = crontabs.Delete(ctx, "over-class", metav1.DeleteOptions{})
		}
		return fmt.Errorf("3 replicas in a class allowing 2: %v", err)
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := crontabs.Create(ctx, ofClass("in-class", class, 2), metav1.CreateOptions{}); err != nil {
		t.Fatalf("2 replicas in a class allowing 2: %v", err)
	}
	_, err = shared.Kubectl(ctx, "scale", "crontabs.stable.example.com", "in-class", "--namespace="+namespace, "--replicas=3")
	if err == nil || !strings.Contains(err.Error(), `set by CronTabClass "`+class+`"`) {
		t.Errorf("kubectl scale beyond the class's limit: %v", err)
	}
	if _, err := crontabs.Create(ctx, ofClass("misspelt", "smal", 1), metav1.CreateOptions{}); !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("a CronTab naming a missing class: %v, want 403", err)
	}
}

// TestClusterValidatingAdmissionPolicyApplies: a ValidatingAdmissionPolicy
// created in kube-apiserver is enforced by this server on its CronTabs.
func TestClusterValidatingAdmissionPolicyApplies(t *testing.T) {
	namespace, name := shared.namespace(t), testObjectName(t, "crontab-images")
	policy := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(policy, []byte(`apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: `+name+`
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
    - apiGroups: [stable.example.com]
      apiVersions: ["*"]
      operations: [CREATE, UPDATE]
      resources: [crontabs]
  validations:
  - expression: "object.spec.image.startsWith('registry.example.com/')"
    message: "CronTab images must come from registry.example.com"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: `+name+`
spec:
  policyName: `+name+`
  validationActions: [Deny]
  matchResources:
    namespaceSelector:
      matchLabels:
        kubernetes.io/metadata.name: `+namespace+`
`), 0o600); err != nil {
		t.Fatal(err)
	}
	shared.kubectl(t, "apply", "-f", policy)
	t.Cleanup(func() { _, _ = shared.Kubectl(context.Background(), "delete", "-f", policy) })
	ctx := context.Background()
	policed := shared.adminClientset(t).StableV1().CronTabs(namespace)

	err := eventually(t, func() error {
		_, err := policed.Create(ctx, crontabWith("from-dockerhub", "busybox", 1), metav1.CreateOptions{})
		if err != nil && strings.Contains(err.Error(), "registry.example.com") {
			return nil
		}
		if err == nil {
			_ = policed.Delete(ctx, "from-dockerhub", metav1.DeleteOptions{})
			return apierrors.NewBadRequest("accepted")
		}
		return err
	})
	if err != nil {
		t.Fatalf("the policy was not enforced: %v", err)
	}
	if _, err := policed.Create(ctx, crontabWith("from-registry", "registry.example.com/cron:1", 1), metav1.CreateOptions{}); err != nil {
		t.Errorf("an image the policy allows: %v", err)
	}
}

// TestServerRBACIsSufficient: with the ClusterRole of artifacts/deploy the
// server's informers (namespaces, webhook and policy configurations, flow
// control) list and watch without being refused.
func TestServerRBACIsSufficient(t *testing.T) {
	log, err := os.ReadFile(filepath.Join(shared.Dir, "logs", "extension-apiserver.log"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(log), "\n") {
		if strings.Contains(line, "forbidden") {
			t.Errorf("the server was refused something: %s", line)
		}
	}
}

// TestRefusedWritesLeaveNothingInEtcd: what admission or validation
// refuses is not stored.
func TestRefusedWritesLeaveNothingInEtcd(t *testing.T) {
	namespace := shared.namespace(t)
	ctx := context.Background()
	admin := shared.adminClientset(t)
	gatekeeper := testObjectName(t, "gatekeeper")
	if _, err := admin.WardleV1beta1().Fischers().Create(ctx, &wardlev1beta1.Fischer{ObjectMeta: metav1.ObjectMeta{Name: gatekeeper},
		DisallowedFlunders: []string{"refused-flunder"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = admin.WardleV1beta1().Fischers().Delete(context.Background(), gatekeeper, metav1.DeleteOptions{})
	})
	err := eventually(t, func() error {
		_, err := admin.WardleV1beta1().Flunders(namespace).Create(ctx, &wardlev1beta1.Flunder{ObjectMeta: metav1.ObjectMeta{Name: "refused-flunder"}}, metav1.CreateOptions{})
		if apierrors.IsForbidden(err) {
			return nil
		}
		if err == nil {
			_ = admin.WardleV1beta1().Flunders(namespace).Delete(ctx, "refused-flunder", metav1.DeleteOptions{})
			return apierrors.NewBadRequest("accepted")
		}
		return err
	})
	if err != nil {
		t.Fatalf("BanFlunder did not refuse: %v", err)
	}
	invalid := crontabWith("refused-crontab", "busybox", 15)
	if _, err := admin.StableV1().CronTabs(namespace).Create(ctx, invalid, metav1.CreateOptions{}); !apierrors.IsInvalid(err) {
		t.Fatalf("an invalid CronTab: %v", err)
	}
	etcd, err := clientv3.New(clientv3.Config{Endpoints: []string{shared.EtcdURL}, DialTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer etcd.Close()
	for _, key := range []string{"/extension-apiserver/wardle.example.com/flunders/" + namespace + "/refused-flunder", "/extension-apiserver/stable.example.com/crontabs/" + namespace + "/refused-crontab"} {
		resp, err := etcd.Get(ctx, key)
		if err != nil || len(resp.Kvs) != 0 {
			t.Errorf("%s: %v, %d keys; a refused write must leave nothing", key, err, len(resp.Kvs))
		}
	}
}
