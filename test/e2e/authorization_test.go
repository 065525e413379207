package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/utils/ptr"

	"github.com/example/extension-apiserver/internal/testutil"
	stablev1 "github.com/example/extension-apiserver/pkg/apis/stable/v1"
	clientset "github.com/example/extension-apiserver/pkg/generated/clientset/versioned"
	"github.com/example/extension-apiserver/pkg/pki"
)

// userConfig returns a client of kube-apiserver authenticated by a client
// certificate of the cluster CA; nil user means no credentials.
func (c *testCluster) userConfig(t *testing.T, user string, groups ...string) *rest.Config {
	t.Helper()
	admin, err := clientcmd.BuildConfigFromFlags("", c.AdminKubeconfig())
	if err != nil {
		t.Fatal(err)
	}
	config := rest.AnonymousClientConfig(admin)
	if user != "" {
		ca, err := pki.Load(c.CertsDir(), "ca")
		if err != nil {
			t.Fatal(err)
		}
		kp, err := ca.IssueClient(user, groups...)
		if err != nil {
			t.Fatal(err)
		}
		config.CertData = kp.CertPEM()
		config.KeyData, _ = kp.KeyPEM()
	}
	return config
}

func listCronTabs(t *testing.T, config *rest.Config, namespace string) error {
	t.Helper()
	_, err := clientset.NewForConfigOrDie(config).StableV1().CronTabs(namespace).List(context.Background(), metav1.ListOptions{})
	return err
}

func TestAuthenticationAndAuthorizationThroughTheAggregator(t *testing.T) {
	namespace := shared.namespace(t)
	// kube-apiserver authenticates a request without credentials as
	// system:anonymous (its default), and its RBAC refuses it.
	if err := listCronTabs(t, shared.userConfig(t, ""), namespace); !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "system:anonymous") {
		t.Errorf("no credentials: %v, want 403 for system:anonymous", err)
	}
	carol := shared.userConfig(t, "carol")
	if err := listCronTabs(t, carol, namespace); !apierrors.IsForbidden(err) {
		t.Errorf("a user without RBAC permission: %v, want 403", err)
	}

	// A RoleBinding to the deployment's edit role lets her work in one
	// namespace only. (In a cluster, kube-controller-manager also aggregates
	// that role into the built-in edit role; no controller manager runs here.)
	shared.kubectl(t, "create", "rolebinding", "carol-edit", "--namespace="+namespace, "--clusterrole=extension-apiserver:edit", "--user=carol")
	t.Cleanup(func() {
		_, _ = shared.Kubectl(context.Background(), "delete", "rolebinding", "carol-edit", "--namespace="+namespace)
	})
	crontabs := clientset.NewForConfigOrDie(carol).StableV1().CronTabs(namespace)
	// RBAC changes reach the authorizer through its informers.
	testutil.WaitForNoError(t, 30*time.Second, "carol with a RoleBinding to edit to create a CronTab", func(ctx context.Context) error {
		_, err := crontabs.Create(ctx, &stablev1.CronTab{ObjectMeta: metav1.ObjectMeta{Name: "carols"},
			Spec: stablev1.CronTabSpec{CronSpec: "* * * * *", Image: "busybox", Replicas: ptr.To[int32](1)}}, metav1.CreateOptions{})
		return err
	})
	if err := listCronTabs(t, carol, "kube-system"); !apierrors.IsForbidden(err) {
		t.Errorf("carol in a namespace she has no binding in: %v, want 403", err)
	}
}

// TestEveryVerbNeedsRBAC: a user without permissions gets 403 for every
// verb, through kube-apiserver.
func TestEveryVerbNeedsRBAC(t *testing.T) {
	namespace := shared.namespace(t)
	crontabs := clientset.NewForConfigOrDie(shared.userConfig(t, "dave")).StableV1().CronTabs(namespace)
	ctx := context.Background()
	ct := crontabWith("daves", "busybox", 1)
	for verb, call := range map[string]func() error{
		"get":           func() error { _, err := crontabs.Get(ctx, "x", metav1.GetOptions{}); return err },
		"list":          func() error { _, err := crontabs.List(ctx, metav1.ListOptions{}); return err },
		"watch":         func() error { _, err := crontabs.Watch(ctx, metav1.ListOptions{}); return err },
		"create":        func() error { _, err := crontabs.Create(ctx, ct, metav1.CreateOptions{}); return err },
		"update":        func() error { _, err := crontabs.Update(ctx, ct, metav1.UpdateOptions{}); return err },
		"update status": func() error { _, err := crontabs.UpdateStatus(ctx, ct, metav1.UpdateOptions{}); return err },
		"patch": func() error {
			_, err := crontabs.Patch(ctx, "x", types.MergePatchType, []byte(`{}`), metav1.PatchOptions{})
			return err
		},
		"delete":           func() error { return crontabs.Delete(ctx, "x", metav1.DeleteOptions{}) },
		"deletecollection": func() error { return crontabs.DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{}) },
		"get scale":        func() error { _, err := crontabs.GetScale(ctx, "x", metav1.GetOptions{}); return err },
	} {
		if err := call(); !apierrors.IsForbidden(err) {
			t.Errorf("%s without RBAC: %v, want 403", verb, err)
		}
	}
}
