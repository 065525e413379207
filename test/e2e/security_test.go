package e2e

import (
	"context"
	"crypto/tls"
	"net/http"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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

// TestForgedIdentityHeadersAreIgnored talks to the extension server
// directly, as kube-apiserver's front proxy would, but without its client
// certificate: the X-Remote-* headers must not be believed.
func TestForgedIdentityHeadersAreIgnored(t *testing.T) {
	if code := shared.forgedHeaderRequest(t, nil); code != http.StatusUnauthorized {
		t.Errorf("forged headers without a client certificate: %d, want 401", code)
	}
	// A valid user certificate that is not the front proxy's: the server
	// knows mallory, and treats her as mallory, not as the header says.
	mallory := shared.clientCertificate(t, "ca", "mallory")
	if code := shared.forgedHeaderRequest(t, &mallory); code != http.StatusForbidden {
		t.Errorf("forged headers with another user's certificate: %d, want 403 (the user of the certificate)", code)
	}
}

// forgedHeaderRequest lists CronTabs directly from the extension server,
// presenting cert (if any) and identity headers claiming an admin.
func (c *testCluster) forgedHeaderRequest(t *testing.T, cert *tls.Certificate) int {
	t.Helper()
	client := c.certificateClient(t)
	if cert != nil {
		client = c.certificateClient(t, *cert)
	}
	req, _ := http.NewRequest(http.MethodGet, c.ExtensionAPIServerURL+"/apis/stable.example.com/v1/namespaces/default/crontabs", nil)
	req.Header.Set("X-Remote-User", "local-admin")
	req.Header.Set("X-Remote-Group", "system:masters")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// clientCertificate issues a client certificate for user from one of the
// cluster's CAs ("ca" or "front-proxy-ca").
func (c *testCluster) clientCertificate(t *testing.T, caName, user string) tls.Certificate {
	t.Helper()
	ca, err := pki.Load(c.CertsDir(), caName)
	if err != nil {
		t.Fatal(err)
	}
	kp, err := ca.IssueClient(user)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM, err := kp.KeyPEM()
	if err != nil {
		t.Fatal(err)
	}
	cert, err := tls.X509KeyPair(kp.CertPEM(), keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}
