package authn

import (
	"context"
	"crypto/x509"
	"testing"

	"k8s.io/apiserver/pkg/server/dynamiccertificates"
)

// loadingCA stands for a ConfigMap CA controller before and after its
// informer has synced.
type loadingCA struct {
	dynamiccertificates.CAContentProvider // nil until loaded
	ran                                   bool
}

func (l *loadingCA) Name() string { return "loading" }
func (l *loadingCA) CurrentCABundleContent() []byte {
	if l.CAContentProvider == nil {
		return nil
	}
	return l.CAContentProvider.CurrentCABundleContent()
}
func (l *loadingCA) VerifyOptions() (x509.VerifyOptions, bool) {
	if l.CAContentProvider == nil {
		return x509.VerifyOptions{}, false
	}
	return l.CAContentProvider.VerifyOptions()
}
func (l *loadingCA) AddListener(dynamiccertificates.Listener) {}
func (l *loadingCA) RunOnce(context.Context) error            { l.ran = true; return nil }
func (l *loadingCA) Run(context.Context, int)                 {}

func TestPrimedCAAnswersUntilTheControllerHasLoaded(t *testing.T) {
	atStart, rotated := newCA(t, "at-start"), newCA(t, "rotated")
	alice, bob := client(t, atStart, "alice"), client(t, rotated, "bob")
	dynamic := &loadingCA{}
	primed, err := PrimedCA(dynamic, atStart.CertPEM())
	if err != nil {
		t.Fatal(err)
	}
	opts, ok := primed.VerifyOptions()
	if !ok {
		t.Fatal("a primed CA has no verify options before its controller loaded")
	}
	if _, err := alice.Verify(opts); err != nil {
		t.Errorf("a certificate of the CA read at start-up is refused before the controller loaded: %v", err)
	}
	if err := primed.RunOnce(context.Background()); err != nil || !dynamic.ran {
		t.Errorf("RunOnce did not reach the controller (err %v)", err)
	}

	loaded, err := dynamiccertificates.NewStaticCAContent("rotated", rotated.CertPEM())
	if err != nil {
		t.Fatal(err)
	}
	dynamic.CAContentProvider = loaded
	opts, _ = primed.VerifyOptions()
	if _, err := alice.Verify(opts); err == nil {
		t.Error("the CA read at start-up still verifies after the controller loaded another")
	}
	if _, err := bob.Verify(opts); err != nil {
		t.Errorf("the controller's CA does not verify once loaded: %v", err)
	}
	if string(primed.CurrentCABundleContent()) != string(rotated.CertPEM()) {
		t.Error("the bundle is not the controller's once loaded")
	}

	if same, err := PrimedCA(dynamic, nil); err != nil || same != DynamicCA(dynamic) {
		t.Errorf("priming with nothing returned %v, %v; want the controller itself", same, err)
	}
}
