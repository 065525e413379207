package e2e

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	wardlev1beta1 "github.com/example/extension-apiserver/pkg/apis/wardle/v1beta1"
	clientset "github.com/example/extension-apiserver/pkg/generated/clientset/versioned"
	"github.com/example/extension-apiserver/pkg/pki"
)

func (c *testCluster) servingRoots(t *testing.T) *x509.CertPool {
	t.Helper()
	ca, err := pki.Load(filepath.Join(c.Dir, "serving"), "serving-ca")
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca.Cert)
	return roots
}

// TestFrontProxyNameMustBeAllowed: a certificate from the front-proxy CA
// whose common name is not front-proxy-client does not make the identity
// headers trusted.
func TestFrontProxyNameMustBeAllowed(t *testing.T) {
	impostor := shared.clientCertificate(t, "front-proxy-ca", "not-the-front-proxy")
	code := shared.forgedHeaderRequest(t, &impostor)
	if code != http.StatusUnauthorized {
		t.Errorf("identity headers with a front-proxy certificate of the wrong name: %d, want 401", code)
	}
}

// TestOldTLSRefused: the server speaks TLS 1.2 and later only.
func TestOldTLSRefused(t *testing.T) {
	for _, version := range []uint16{tls.VersionTLS10, tls.VersionTLS11} {
		conn, err := tls.Dial("tcp", shared.ExtensionAPIServerURL[len("https://"):], &tls.Config{
			RootCAs: shared.servingRoots(t), MinVersion: version, MaxVersion: version, ServerName: "localhost"})
		if err == nil {
			conn.Close()
			t.Errorf("a TLS %x handshake succeeded", version)
		}
	}
	conn, err := tls.Dial("tcp", shared.ExtensionAPIServerURL[len("https://"):], &tls.Config{RootCAs: shared.servingRoots(t), MinVersion: tls.VersionTLS12, ServerName: "localhost"})
	if err != nil {
		t.Fatalf("TLS 1.2+: %v", err)
	}
	conn.Close()
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
