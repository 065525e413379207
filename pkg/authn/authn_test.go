package authn

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"slices"
	"testing"
	"time"

	"k8s.io/apiserver/pkg/authentication/authenticator"
	"k8s.io/apiserver/pkg/authentication/authenticatorfactory"
	"k8s.io/apiserver/pkg/authentication/request/headerrequest"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/server/dynamiccertificates"

	"github.com/example/extension-apiserver/pkg/pki"
)

func newCA(t *testing.T, name string) *pki.KeyPair {
	t.Helper()
	ca, err := pki.NewCA(name)
	if err != nil {
		t.Fatal(err)
	}
	return ca
}

func client(t *testing.T, ca *pki.KeyPair, name string, groups ...string) *x509.Certificate {
	t.Helper()
	kp, err := ca.IssueClient(name, groups...)
	if err != nil {
		t.Fatal(err)
	}
	return kp.Cert
}

func optsFor(cas ...*pki.KeyPair) x509.VerifyOptions {
	pool := x509.NewCertPool()
	for _, ca := range cas {
		pool.AddCert(ca.Cert)
	}
	return x509.VerifyOptions{Roots: pool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
}

func TestVerifiedChainsCachesOnlyWhatVerified(t *testing.T) {
	ca, other := newCA(t, "ca"), newCA(t, "other")
	opts := optsFor(ca)
	v := NewVerifiedChains(16, time.Minute)

	good := client(t, ca, "alice")
	for range 2 {
		chains, err := v.Verify(opts, []*x509.Certificate{good})
		if err != nil || len(chains) == 0 || chains[0][0] != good {
			t.Fatalf("valid certificate: chains %v, err %v", chains, err)
		}
	}
	if v.cache.Len() != 1 {
		t.Fatalf("cached %d chains, want 1", v.cache.Len())
	}

	// Same subject and key usage, another issuer: a different chain, never
	// served from alice's entry.
	forged := client(t, other, "alice")
	if _, err := v.Verify(opts, []*x509.Certificate{forged}); err == nil {
		t.Fatal("a certificate of an untrusted CA was accepted")
	}
	if v.cache.Len() != 1 {
		t.Fatalf("a failed verification was cached (%d entries)", v.cache.Len())
	}

	// A rotated CA bundle is a new pool: alice is verified again, and refused.
	if _, err := v.Verify(optsFor(other), []*x509.Certificate{good}); err == nil {
		t.Fatal("a chain verified against the old CA bundle was accepted under the new one")
	}
}

func TestVerifiedChainsExpire(t *testing.T) {
	ca := newCA(t, "ca")
	good := client(t, ca, "alice")
	v := NewVerifiedChains(16, time.Hour)
	opts := optsFor(ca)
	if _, err := v.Verify(opts, []*x509.Certificate{good}); err != nil {
		t.Fatal(err)
	}
	key := chainKey{roots: opts.Roots, digest: digest([]*x509.Certificate{good})}

	// Within the TTL the entry is used; past it, the chain is verified again.
	v.now = func() time.Time { return time.Now().Add(59 * time.Minute) }
	if _, ok := v.lookup(key); !ok {
		t.Fatal("an entry within its TTL was not found")
	}
	v.now = func() time.Time { return time.Now().Add(61 * time.Minute) }
	if _, ok := v.lookup(key); ok {
		t.Fatal("an entry outlived its TTL")
	}
	v.now = time.Now
	if _, err := v.Verify(opts, []*x509.Certificate{good}); err != nil {
		t.Fatal(err)
	}

	// A TTL longer than the certificate's life ends at its NotAfter.
	long := NewVerifiedChains(16, 100*365*24*time.Hour)
	if _, err := long.Verify(opts, []*x509.Certificate{good}); err != nil {
		t.Fatal(err)
	}
	long.now = func() time.Time { return good.NotAfter.Add(-time.Second) }
	if _, ok := long.lookup(key); !ok {
		t.Fatal("an entry of a valid certificate was not found")
	}
	long.now = func() time.Time { return good.NotAfter.Add(time.Second) }
	if _, ok := long.lookup(key); ok {
		t.Fatal("an entry outlived its certificate")
	}
}

func request(certs ...*x509.Certificate) *http.Request {
	req, _ := http.NewRequest(http.MethodGet, "https://example.com/apis", nil)
	req.TLS = &tls.ConnectionState{PeerCertificates: certs}
	return req
}

func staticCA(t *testing.T, ca *pki.KeyPair) dynamiccertificates.CAContentProvider {
	t.Helper()
	provider, err := dynamiccertificates.NewStaticCAContent(ca.Cert.Subject.CommonName, ca.CertPEM())
	if err != nil {
		t.Fatal(err)
	}
	return provider
}

func TestClientCertificate(t *testing.T) {
	ca, other := newCA(t, "ca"), newCA(t, "other")
	auth := ClientCertificate(staticCA(t, ca), NewVerifiedChains(16, time.Minute))

	resp, ok, err := auth.AuthenticateRequest(request(client(t, ca, "alice", "devs", "ops")))
	if err != nil || !ok {
		t.Fatalf("ok %v err %v", ok, err)
	}
	if groups := resp.User.GetGroups(); resp.User.GetName() != "alice" || len(groups) != 2 || !slices.Contains(groups, "devs") || !slices.Contains(groups, "ops") {
		t.Fatalf("user %+v", resp.User)
	}
	if _, ok, err := auth.AuthenticateRequest(request(client(t, other, "mallory"))); ok || err == nil {
		t.Fatalf("untrusted certificate: ok %v err %v", ok, err)
	}
	if _, ok, err := auth.AuthenticateRequest(request()); ok || err != nil {
		t.Fatalf("no certificate: ok %v err %v", ok, err)
	}
}

func TestRequestHeader(t *testing.T) {
	clientCA, proxyCA := newCA(t, "client-ca"), newCA(t, "front-proxy-ca")
	cfg := &authenticatorfactory.RequestHeaderConfig{
		CAContentProvider:   staticCA(t, proxyCA),
		AllowedClientNames:  headerrequest.StaticStringSlice{"front-proxy-client"},
		UsernameHeaders:     headerrequest.StaticStringSlice{"X-Remote-User"},
		UIDHeaders:          headerrequest.StaticStringSlice{"X-Remote-Uid"},
		GroupHeaders:        headerrequest.StaticStringSlice{"X-Remote-Group"},
		ExtraHeaderPrefixes: headerrequest.StaticStringSlice{"X-Remote-Extra-"},
	}
	auth := RequestHeader(cfg, NewVerifiedChains(16, time.Minute))
	asProxy := func(cert *x509.Certificate) *http.Request {
		req := request(cert)
		req.Header.Set("X-Remote-User", "bob")
		req.Header.Add("X-Remote-Group", "team")
		return req
	}

	resp, ok, err := auth.AuthenticateRequest(asProxy(client(t, proxyCA, "front-proxy-client")))
	if err != nil || !ok || resp.User.GetName() != "bob" || resp.User.GetGroups()[0] != "team" {
		t.Fatalf("front proxy: resp %+v ok %v err %v", resp, ok, err)
	}
	// A user certificate signed by the client CA cannot assert headers.
	if _, ok, _ := auth.AuthenticateRequest(asProxy(client(t, clientCA, "front-proxy-client"))); ok {
		t.Fatal("a client certificate of another CA impersonated through headers")
	}
	// The proxy CA signs only allowed names.
	if _, ok, err := auth.AuthenticateRequest(asProxy(client(t, proxyCA, "someone-else"))); ok || err == nil {
		t.Fatalf("disallowed common name: ok %v err %v", ok, err)
	}
}

func TestCertificatesFirstFallsBackToDelegate(t *testing.T) {
	ca := newCA(t, "ca")
	delegated := 0
	delegate := authenticator.RequestFunc(func(*http.Request) (*authenticator.Response, bool, error) {
		delegated++
		return &authenticator.Response{User: &user.DefaultInfo{Name: user.Anonymous}}, true, nil
	})
	auth := CertificatesFirst(delegate, ClientCertificate(staticCA(t, ca), NewVerifiedChains(16, time.Minute)))

	resp, ok, err := auth.AuthenticateRequest(request(client(t, ca, "alice")))
	if err != nil || !ok || resp.User.GetName() != "alice" || delegated != 0 {
		t.Fatalf("certificate: resp %+v ok %v err %v delegated %d", resp, ok, err, delegated)
	}
	groups := resp.User.GetGroups()
	if len(groups) == 0 || groups[len(groups)-1] != user.AllAuthenticated {
		t.Fatalf("groups %v lack %s", groups, user.AllAuthenticated)
	}
	resp, ok, _ = auth.AuthenticateRequest(request())
	if !ok || resp.User.GetName() != user.Anonymous || delegated != 1 {
		t.Fatalf("no certificate: resp %+v delegated %d", resp, delegated)
	}
	if CertificatesFirst(nil) != nil {
		t.Fatal("no delegate must stay no authenticator")
	}
}
