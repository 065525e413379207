package authn

import (
	"crypto/x509"

	"k8s.io/apiserver/pkg/server/dynamiccertificates"
)

// DynamicCA is a CA bundle that loads and reloads itself, such as
// k8s.io/apiserver's ConfigMap CA controller.
type DynamicCA interface {
	dynamiccertificates.CAContentProvider
	dynamiccertificates.ControllerRunner
	dynamiccertificates.Notifier
}

// primedCA answers with a bundle read at start-up until its dynamic
// provider has loaded one of its own. k8s.io/apiserver's ConfigMap CA
// controller fills itself only once its informer has synced, which is
// after the server listens: without priming, the first requests of a new
// replica carry valid certificates that nothing can verify yet, and get 401.
type primedCA struct {
	DynamicCA
	initial dynamiccertificates.CAContentProvider
}

// PrimedCA returns dynamic, answering with initialBundle (PEM) while
// dynamic has none. An empty initialBundle returns dynamic itself.
func PrimedCA(dynamic DynamicCA, initialBundle []byte) (DynamicCA, error) {
	if len(initialBundle) == 0 {
		return dynamic, nil
	}
	initial, err := dynamiccertificates.NewStaticCAContent(dynamic.Name(), initialBundle)
	if err != nil {
		return nil, err
	}
	return &primedCA{DynamicCA: dynamic, initial: initial}, nil
}

func (p *primedCA) CurrentCABundleContent() []byte {
	if bundle := p.DynamicCA.CurrentCABundleContent(); len(bundle) > 0 {
		return bundle
	}
	return p.initial.CurrentCABundleContent()
}

func (p *primedCA) VerifyOptions() (x509.VerifyOptions, bool) {
	if opts, ok := p.DynamicCA.VerifyOptions(); ok {
		return opts, true
	}
	return p.initial.VerifyOptions()
}
