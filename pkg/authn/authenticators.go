package authn

import (
	"crypto/x509"
	"fmt"
	"net/http"
	"slices"

	utilerrors "k8s.io/apimachinery/pkg/util/errors"
	"k8s.io/apiserver/pkg/authentication/authenticator"
	"k8s.io/apiserver/pkg/authentication/authenticatorfactory"
	"k8s.io/apiserver/pkg/authentication/group"
	"k8s.io/apiserver/pkg/authentication/request/headerrequest"
	"k8s.io/apiserver/pkg/authentication/request/union"
	x509request "k8s.io/apiserver/pkg/authentication/request/x509"
	"k8s.io/apiserver/pkg/server/dynamiccertificates"
)

// request verifies the client certificate chain of req against ca. It is
// not ok, without an error, when req has no client certificate or ca has no
// CA (yet).
func (v *VerifiedChains) request(req *http.Request, ca dynamiccertificates.CAContentProvider) ([][]*x509.Certificate, bool, error) {
	if req.TLS == nil || len(req.TLS.PeerCertificates) == 0 {
		return nil, false, nil
	}
	opts, ok := ca.VerifyOptions()
	if !ok {
		return nil, false, nil
	}
	chains, err := v.Verify(opts, req.TLS.PeerCertificates)
	return chains, err == nil, err
}

// ClientCertificate authenticates a request by its client certificate
// signed by clientCA, with k8s.io/apiserver's user mapping: the common name
// is the user, the organisations are its groups, plus the certificate's
// credential ID (and UID, where that feature is on).
func ClientCertificate(clientCA dynamiccertificates.CAContentProvider, verified *VerifiedChains) authenticator.Request {
	return authenticator.RequestFunc(func(req *http.Request) (*authenticator.Response, bool, error) {
		chains, ok, err := verified.request(req, clientCA)
		if !ok {
			return nil, false, err
		}
		var errs []error
		for _, chain := range chains {
			resp, ok, err := x509request.CommonNameUserConversion.User(chain)
			if ok {
				return resp, true, nil
			}
			if err != nil {
				errs = append(errs, err)
			}
		}
		return nil, false, utilerrors.NewAggregate(errs)
	})
}

// RequestHeader authenticates a request from the front proxy (the
// aggregator): its client certificate is signed by the request-header CA
// and has an allowed common name, and the user is in the configured
// headers.
func RequestHeader(cfg *authenticatorfactory.RequestHeaderConfig, verified *VerifiedChains) authenticator.Request {
	fromHeaders := headerrequest.NewDynamic(cfg.UsernameHeaders, cfg.UIDHeaders, cfg.GroupHeaders, cfg.ExtraHeaderPrefixes)
	return authenticator.RequestFunc(func(req *http.Request) (*authenticator.Response, bool, error) {
		if _, ok, err := verified.request(req, cfg.CAContentProvider); !ok {
			return nil, false, err
		}
		allowed := cfg.AllowedClientNames.Value()
		if name := req.TLS.PeerCertificates[0].Subject.CommonName; len(allowed) > 0 && !slices.Contains(allowed, name) {
			return nil, false, fmt.Errorf("front proxy client certificate %q is not an allowed name", name)
		}
		return fromHeaders.AuthenticateRequest(req)
	})
}

// CertificatesFirst tries the certificate authenticators, in order, and
// falls back to delegate (the complete authenticator of k8s.io/apiserver:
// the same certificates uncached, tokens, anonymous) when none of them
// authenticates the request. Their errors are dropped: a request refused
// here is decided by delegate, so no outcome differs from delegate's own.
// What differs: requests authenticated here are not observed by
// k8s.io/apiserver's apiserver_client_certificate_expiration_seconds
// histogram, and a refused certificate is verified twice.
func CertificatesFirst(delegate authenticator.Request, certificates ...authenticator.Request) authenticator.Request {
	if delegate == nil || len(certificates) == 0 {
		return delegate
	}
	first := group.NewAuthenticatedGroupAdder(union.New(certificates...))
	return authenticator.RequestFunc(func(req *http.Request) (*authenticator.Response, bool, error) {
		if resp, ok, err := first.AuthenticateRequest(req); ok && err == nil {
			return resp, true, nil
		}
		return delegate.AuthenticateRequest(req)
	})
}
