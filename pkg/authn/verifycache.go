// Package authn authenticates client certificates (direct users and the
// aggregator's front proxy) like k8s.io/apiserver does, but verifies each
// certificate chain once instead of on every request.
//
// Under load, chain verification (an ECDSA or RSA signature check per
// request) was 12-15 % of the server's CPU. A verified chain cannot become
// valid or invalid except by the passage of time or a change of the trusted
// CAs, so the result is cached per exact chain and verification options,
// until the earliest expiry in the chains or a TTL.
package authn

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/binary"
	"hash"
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
	// against the old one. Holding the pointers keeps them from being
	// reused for another pool while an entry lives.
	roots, intermediates *x509.CertPool
	// digest covers every byte of the presented chain and the options
	// that are not pools (key usages, DNS name).
	digest [sha256.Size]byte
}

type cacheEntry struct {
	chains [][]*x509.Certificate
	// until is wall-clock time (no monotonic reading), like NotAfter: a
	// stepped clock expires entries as it would expire certificates.
	until time.Time
}

// NewVerifiedChains keeps up to size verified chains, each for at most ttl.
func NewVerifiedChains(size int, ttl time.Duration) *VerifiedChains {
	return &VerifiedChains{ttl: ttl, now: time.Now, cache: lru.New(size)}
}

// Verify returns the verified chains of certs[0] under opts, as
// (*x509.Certificate).Verify does; certs[1:] are intermediates when opts
// has none, as in k8s.io/apiserver's x509 authenticator.
func (v *VerifiedChains) Verify(opts x509.VerifyOptions, certs []*x509.Certificate) ([][]*x509.Certificate, error) {
	if !opts.CurrentTime.IsZero() || len(opts.CertificatePolicies) > 0 {
		return verify(opts, certs) // not what authentication asks; not cached
	}
	key := chainKey{roots: opts.Roots, intermediates: opts.Intermediates, digest: digest(opts, certs)}
	if chains, ok := v.lookup(key); ok {
		return chains, nil
	}
	chains, err := verify(opts, certs)
	if err != nil {
		return nil, err
	}
	until := v.now().Add(v.ttl).Round(0)
	for _, chain := range chains {
		for _, cert := range chain {
			if cert.NotAfter.Before(until) {
				until = cert.NotAfter
			}
		}
	}
	v.cache.Add(key, cacheEntry{chains: chains, until: until})
	return chains, nil
}

func (v *VerifiedChains) lookup(key chainKey) ([][]*x509.Certificate, bool) {
	cached, ok := v.cache.Get(key)
	if !ok {
		return nil, false
	}
	entry := cached.(cacheEntry)
	if !v.now().Round(0).Before(entry.until) {
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

// digest identifies a presented chain by every byte of every certificate,
// and the options it was verified with: two chains that differ anywhere,
// or one chain verified for other uses, never share a verification.
func digest(opts x509.VerifyOptions, certs []*x509.Certificate) [sha256.Size]byte {
	h := sha256.New()
	writeField(h, []byte(opts.DNSName))
	for _, usage := range opts.KeyUsages {
		writeField(h, binary.BigEndian.AppendUint32(nil, uint32(usage)))
	}
	writeField(h, nil) // ends the key usages
	for _, cert := range certs {
		writeField(h, cert.Raw)
	}
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return sum
}

// writeField writes a length-prefixed field, so that fields cannot run
// into each other.
func writeField(h hash.Hash, field []byte) {
	h.Write(binary.BigEndian.AppendUint32(nil, uint32(len(field))))
	h.Write(field)
}
