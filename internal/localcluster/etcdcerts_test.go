package localcluster

import (
	"crypto/tls"
	"crypto/x509"
	"os"
	"testing"
)

// TestEtcdCertsVerify checks the chain the StatefulSet and the server rely
// on: every member's name verifies for serving and, as a peer, as a client;
// the server's certificate verifies as a client.
func TestEtcdCertsVerify(t *testing.T) {
	dir := t.TempDir()
	if err := WriteEtcdCerts(dir, ServiceNamespace); err != nil {
		t.Fatal(err)
	}
	files := EtcdTLS{Dir: dir}
	caPEM, err := os.ReadFile(files.CAFile())
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(caPEM)
	load := func(certFile, keyFile string) *x509.Certificate {
		pair, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			t.Fatal(err)
		}
		leaf, err := x509.ParseCertificate(pair.Certificate[0])
		if err != nil {
			t.Fatal(err)
		}
		return leaf
	}
	server := load(files.ServerCert(), files.ServerKey())
	for _, name := range []string{"etcd-0.etcd", "etcd-2.etcd.extension-apiserver.svc", "etcd-wardle-1.etcd-wardle", "etcd-wardle",
		"localhost", "127.0.0.1"} {
		for _, usage := range []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth} {
			if _, err := server.Verify(x509.VerifyOptions{Roots: roots, DNSName: name, KeyUsages: []x509.ExtKeyUsage{usage}}); err != nil {
				t.Errorf("member certificate for %s, usage %v: %v", name, usage, err)
			}
		}
	}
	client := load(files.ClientCert(), files.ClientKey())
	if _, err := client.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		t.Errorf("client certificate: %v", err)
	}
	// A second run keeps the CA, so the Secrets' ca.crt stays valid.
	if err := WriteEtcdCerts(dir, ServiceNamespace); err != nil {
		t.Fatal(err)
	}
	again, _ := os.ReadFile(files.CAFile())
	if string(again) != string(caPEM) {
		t.Error("a second run replaced the etcd CA")
	}
}
