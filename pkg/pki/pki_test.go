package pki

import (
	"crypto/x509"
	"net"
	"testing"
)

func TestIssueAndVerify(t *testing.T) {
	ca, err := NewCA("test-ca")
	if err != nil {
		t.Fatal(err)
	}
	serving, err := ca.IssueServing(ServingCert{CommonName: "api", DNSNames: []string{"api.ns.svc", "localhost"}, IPs: []net.IP{net.ParseIP("127.0.0.1")}})
	if err != nil {
		t.Fatal(err)
	}
	client, err := ca.IssueClient("admin", "system:masters")
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca.Cert)
	for _, host := range []string{"api.ns.svc", "localhost", "127.0.0.1"} {
		if _, err := serving.Cert.Verify(x509.VerifyOptions{Roots: roots, DNSName: host}); err != nil {
			t.Errorf("serving cert for %s: %v", host, err)
		}
	}
	if _, err := serving.Cert.Verify(x509.VerifyOptions{Roots: roots, DNSName: "other.example"}); err == nil {
		t.Error("serving cert verified for a name it does not hold")
	}
	if _, err := client.Cert.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		t.Errorf("client cert: %v", err)
	}
	if client.Cert.Subject.CommonName != "admin" || client.Cert.Subject.Organization[0] != "system:masters" {
		t.Errorf("client subject = %v", client.Cert.Subject)
	}
	other, _ := NewCA("other")
	otherRoots := x509.NewCertPool()
	otherRoots.AddCert(other.Cert)
	if _, err := client.Cert.Verify(x509.VerifyOptions{Roots: otherRoots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err == nil {
		t.Error("client cert verified against a CA that did not sign it")
	}
}

func TestLoadOrCreateKeepsExistingFiles(t *testing.T) {
	dir := t.TempDir()
	first, created, err := LoadOrCreate(dir, "ca", func() (*KeyPair, error) { return NewCA("ca") })
	if err != nil || !created {
		t.Fatalf("first call: created=%v err=%v", created, err)
	}
	second, created, err := LoadOrCreate(dir, "ca", func() (*KeyPair, error) { return NewCA("ca") })
	if err != nil || created {
		t.Fatalf("second call: created=%v err=%v", created, err)
	}
	if !first.Cert.Equal(second.Cert) {
		t.Error("second call did not load the stored certificate")
	}
}
