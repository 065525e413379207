package e2e

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/example/extension-apiserver/pkg/pki"
)

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
