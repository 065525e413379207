// Package authn authenticates client certificates (direct users and the
// aggregator's front proxy) like k8s.io/apiserver does, but verifies each
// certificate chain once instead of on every request.
//
// Under load, chain verification (an ECDSA or RSA signature check per
// request) was 12-15 % of the server's CPU. A verified chain cannot become
// valid or invalid except by the passage of time or a change of the trusted
// CAs, so the result is cached per exact chain and CA pool, until the
// earliest expiry in the chain or a TTL.
package authn

import (
	"crypto/sha256"
	"crypto/x509"
	"time"

	"k8s.io/utils/lru"
)

// VerifiedChains caches successful certificate chain verifications.
type VerifiedChains struct {
	ttl   time.Duration
	now   func() time.Time
	cache *lru.Cache
}

type chainKey struct {
	// The pools are part of the key: dynamic CA providers return a new
	// pool when the CA bundle changes, which invalidates what was verified
	// against the old one.
	roots, intermediates *x509.CertPool
	digest               [sha256.Size]byte
}

type verifiedChains struct {
	chains [][]*x509.Certificate
	until  time.Time
}

// NewVerifiedChains keeps up to size verified chains, each for at most ttl.
func NewVerifiedChains(size int, ttl time.Duration) *VerifiedChains {
	return &VerifiedChains{ttl: ttl, now: time.Now, cache: lru.New(size)}
}

// Verify returns the verified chains of certs[0] under opts, as
// (*x509.Certificate).Verify does; certs[1:] are intermediates when opts
// has none.
func (v *VerifiedChains) Verify(opts x509.VerifyOptions, certs []*x509.Certificate) ([][]*x509.Certificate, error) {
	if !opts.CurrentTime.IsZero() {
		return verify(opts, certs) // a fixed clock is a test of its own; do not cache it
	}
	key := chainKey{roots: opts.Roots, intermediates: opts.Intermediates, digest: digest(certs)}
	if chains, ok := v.lookup(key); ok {
		return chains, nil
	}
	chains, err := verify(opts, certs)
	if err != nil {
		return nil, err
	}
	until := v.now().Add(v.ttl)
	for _, cert := range chains[0] {
		if cert.NotAfter.Before(until) {
			until = cert.NotAfter
		}
	}
	v.cache.Add(key, verifiedChains{chains: chains, until: until})
	return chains, nil
}

func (v *VerifiedChains) lookup(key chainKey) ([][]*x509.Certificate, bool) {
	cached, ok := v.cache.Get(key)
	if !ok {
		return nil, false
	}
	entry := cached.(verifiedChains)
	if !v.now().Before(entry.until) {
		v.cache.Remove(key)
		return nil, false
	}
	return entry.chains, true
}

func verify(opts x509.VerifyOptions, certs []*x509.Certificate) ([][]*x509.Certificate, error) {
	if opts.Intermediates == nil && len(certs) > 1 {
		opts.Intermediates = x509.NewCertPool()
		for _, intermediate := range certs[1:] {
			opts.Intermediates.AddCert(intermediate)
		}
	}
	return certs[0].Verify(opts)
}

// digest identifies a presented chain by every byte of every certificate:
// two chains that differ anywhere never share a verification.
func digest(certs []*x509.Certificate) [sha256.Size]byte {
	h := sha256.New()
	for _, cert := range certs {
		var length [4]byte
		n := len(cert.Raw)
		length[0], length[1], length[2], length[3] = byte(n>>24), byte(n>>16), byte(n>>8), byte(n)
		h.Write(length[:])
		h.Write(cert.Raw)
	}
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return sum
}
