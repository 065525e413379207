package authn

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http"
	"reflect"
	"slices"
	"testing"
	"time"

	"k8s.io/apiserver/pkg/apis/apiserver"
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

func TestVerifiedChainsKeyHoldsTheOptions(t *testing.T) {
	ca := newCA(t, "ca")
	alice := client(t, ca, "alice")
	v := NewVerifiedChains(16, time.Minute)
	opts := optsFor(ca)
	if _, err := v.Verify(opts, []*x509.Certificate{alice}); err != nil {
		t.Fatal(err)
	}
	// The same chain and pool, verified for serving: not alice's entry.
	serving := opts
	serving.KeyUsages = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	if _, err := v.Verify(serving, []*x509.Certificate{alice}); err == nil {
		t.Fatal("a client certificate passed as a serving certificate from the cache")
	}
	// A fixed clock is not what authentication asks, and is not cached.
	past := opts
	past.CurrentTime = alice.NotBefore.Add(-time.Hour)
	if _, err := v.Verify(past, []*x509.Certificate{alice}); err == nil {
		t.Fatal("a certificate not yet valid at CurrentTime was accepted")
	}
	if v.cache.Len() != 1 {
		t.Fatalf("cached %d entries, want only the first verification", v.cache.Len())
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
	key := chainKey{roots: opts.Roots, digest: digest(opts, []*x509.Certificate{good})}

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

func requestHeaderConfig(t *testing.T, proxyCA *pki.KeyPair, allowed ...string) *authenticatorfactory.RequestHeaderConfig {
	return &authenticatorfactory.RequestHeaderConfig{
		CAContentProvider:   staticCA(t, proxyCA),
		AllowedClientNames:  headerrequest.StaticStringSlice(allowed),
		UsernameHeaders:     headerrequest.StaticStringSlice{"X-Remote-User"},
		UIDHeaders:          headerrequest.StaticStringSlice{"X-Remote-Uid"},
		GroupHeaders:        headerrequest.StaticStringSlice{"X-Remote-Group"},
		ExtraHeaderPrefixes: headerrequest.StaticStringSlice{"X-Remote-Extra-"},
	}
}

type outcome struct {
	ok     bool
	err    bool
	user   string
	groups []string
}

func authenticate(t *testing.T, auth authenticator.Request, req *http.Request) outcome {
	t.Helper()
	resp, ok, err := auth.AuthenticateRequest(req)
	o := outcome{ok: ok, err: err != nil}
	if ok {
		o.user = resp.User.GetName()
		o.groups = slices.Sorted(slices.Values(resp.User.GetGroups()))
	}
	return o
}

// TestSameOutcomeAsTheLibrary compares CertificatesFirst in front of
// k8s.io/apiserver's delegating authenticator with that authenticator
// alone, request by request, twice (the second time from the cache).
func TestSameOutcomeAsTheLibrary(t *testing.T) {
	clientCA, proxyCA, foreignCA := newCA(t, "client-ca"), newCA(t, "front-proxy-ca"), newCA(t, "foreign")
	serving, err := clientCA.IssueServing(pki.ServingCert{CommonName: "alice", DNSNames: []string{"alice.example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	type setup struct{ clientCA, proxyCA *pki.KeyPair }
	cases := []struct {
		name    string
		setup   setup
		cert    *x509.Certificate
		headers bool
		want    string // the user, or "" when refused or anonymous
	}{
		{"front proxy", setup{clientCA, proxyCA}, client(t, proxyCA, "front-proxy-client"), true, "bob"},
		{"front proxy without user headers", setup{clientCA, proxyCA}, client(t, proxyCA, "front-proxy-client"), false, ""},
		{"front proxy CA, name not allowed", setup{clientCA, proxyCA}, client(t, proxyCA, "someone-else"), true, ""},
		{"user certificate", setup{clientCA, proxyCA}, client(t, clientCA, "alice", "devs"), false, "alice"},
		{"user certificate asserting headers", setup{clientCA, proxyCA}, client(t, clientCA, "front-proxy-client"), true, "front-proxy-client"},
		{"foreign CA", setup{clientCA, proxyCA}, client(t, foreignCA, "alice"), true, ""},
		{"serving certificate", setup{clientCA, proxyCA}, serving.Cert, false, ""},
		{"no certificate", setup{clientCA, proxyCA}, nil, true, "system:anonymous"},
		{"shared CA, proxy name", setup{clientCA, clientCA}, client(t, clientCA, "front-proxy-client"), true, "bob"},
		{"shared CA, other name with headers", setup{clientCA, clientCA}, client(t, clientCA, "alice"), true, "alice"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := requestHeaderConfig(t, tc.setup.proxyCA, "front-proxy-client")
			library, _, err := authenticatorfactory.DelegatingAuthenticatorConfig{
				Anonymous:                          &apiserver.AnonymousAuthConfig{Enabled: true},
				ClientCertificateCAContentProvider: staticCA(t, tc.setup.clientCA),
				RequestHeaderConfig:                cfg,
			}.New()
			if err != nil {
				t.Fatal(err)
			}
			verified := NewVerifiedChains(16, time.Minute)
			ours := CertificatesFirst(library, RequestHeader(cfg, verified), ClientCertificate(staticCA(t, tc.setup.clientCA), verified))
			newRequest := func() *http.Request {
				var req *http.Request
				if tc.cert == nil {
					req = request()
				} else {
					req = request(tc.cert)
				}
				if tc.headers {
					req.Header.Set("X-Remote-User", "bob")
					req.Header.Add("X-Remote-Group", "team")
				}
				return req
			}
			want := authenticate(t, library, newRequest())
			if want.user != tc.want {
				t.Fatalf("the library authenticated %q, the case expects %q", want.user, tc.want)
			}
			for round := range 2 {
				if got := authenticate(t, ours, newRequest()); !reflect.DeepEqual(got, want) {
					t.Errorf("round %d: ours %+v, the library %+v", round, got, want)
				}
			}
		})
	}
}

func TestClientCertificateUsesTheCache(t *testing.T) {
	ca := newCA(t, "ca")
	verified := NewVerifiedChains(16, time.Minute)
	auth := ClientCertificate(staticCA(t, ca), verified)
	alice := client(t, ca, "alice", "devs", "ops")
	for range 3 {
		resp, ok, err := auth.AuthenticateRequest(request(alice))
		if err != nil || !ok {
			t.Fatalf("ok %v err %v", ok, err)
		}
		if groups := resp.User.GetGroups(); resp.User.GetName() != "alice" || len(groups) != 2 || !slices.Contains(groups, "devs") || !slices.Contains(groups, "ops") {
			t.Fatalf("user %+v", resp.User)
		}
	}
	if verified.cache.Len() != 1 {
		t.Fatalf("%d cached chains after three requests with one certificate, want 1", verified.cache.Len())
	}
}

// noCA is a CA provider that has no CA (yet): nothing is authenticated.
type noCA struct {
	dynamiccertificates.CAContentProvider
}

func (noCA) VerifyOptions() (x509.VerifyOptions, bool) { return x509.VerifyOptions{}, false }

func TestNoCAAuthenticatesNobody(t *testing.T) {
	ca := newCA(t, "ca")
	verified := NewVerifiedChains(16, time.Minute)
	if _, ok, err := ClientCertificate(noCA{}, verified).AuthenticateRequest(request(client(t, ca, "alice"))); ok || err != nil {
		t.Fatalf("client certificate without a CA: ok %v err %v", ok, err)
	}
	cfg := requestHeaderConfig(t, ca)
	cfg.CAContentProvider = noCA{}
	req := request(client(t, ca, "front-proxy-client"))
	req.Header.Set("X-Remote-User", "bob")
	if _, ok, err := RequestHeader(cfg, verified).AuthenticateRequest(req); ok || err != nil {
		t.Fatalf("front proxy without a CA: ok %v err %v", ok, err)
	}
}

func TestCertificatesFirstFallsBackToDelegate(t *testing.T) {
	ca := newCA(t, "ca")
	delegated := 0
	delegate := authenticator.RequestFunc(func(*http.Request) (*authenticator.Response, bool, error) {
		delegated++
		return &authenticator.Response{User: &user.DefaultInfo{Name: user.Anonymous}}, true, nil
	})
	failing := authenticator.RequestFunc(func(*http.Request) (*authenticator.Response, bool, error) {
		return nil, false, errors.New("refused")
	})
	auth := CertificatesFirst(delegate, failing, ClientCertificate(staticCA(t, ca), NewVerifiedChains(16, time.Minute)))

	resp, ok, err := auth.AuthenticateRequest(request(client(t, ca, "alice")))
	if err != nil || !ok || resp.User.GetName() != "alice" || delegated != 0 {
		t.Fatalf("certificate: resp %+v ok %v err %v delegated %d", resp, ok, err, delegated)
	}
	if groups := resp.User.GetGroups(); !slices.Contains(groups, user.AllAuthenticated) {
		t.Fatalf("groups %v lack %s", groups, user.AllAuthenticated)
	}
	// An error of ours is not the answer: the delegate decides.
	resp, ok, err = auth.AuthenticateRequest(request(client(t, newCA(t, "other"), "mallory")))
	if !ok || err != nil || resp.User.GetName() != user.Anonymous || delegated != 1 {
		t.Fatalf("refused certificate: resp %+v ok %v err %v delegated %d", resp, ok, err, delegated)
	}
	if CertificatesFirst(nil, failing) != nil {
		t.Fatal("no delegate must stay no authenticator")
	}
}
