// Package pki issues the certificates the server and its demos need: CAs,
// serving certificates and client certificates, with crypto/x509 only.
package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// Validity periods. Local and demo certificates are long-lived so that a
// data directory keeps working; rotate by deleting the files.
const (
	CAValidity   = 10 * 365 * 24 * time.Hour
	LeafValidity = 2 * 365 * 24 * time.Hour
)

// KeyPair is a certificate with its private key.
type KeyPair struct {
	Cert *x509.Certificate
	Key  crypto.Signer
}

// CertPEM returns the certificate in PEM form.
func (kp *KeyPair) CertPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: kp.Cert.Raw})
}

// KeyPEM returns the private key in PKCS#8 PEM form.
func (kp *KeyPair) KeyPEM() ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(kp.Key)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// NewCA creates a self-signed certificate authority.
func NewCA(commonName string) (*KeyPair, error) {
	template := &x509.Certificate{
		Subject:               pkix.Name{CommonName: commonName},
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	return issue(template, nil, CAValidity)
}

// ServingCert describes a TLS server certificate.
type ServingCert struct {
	CommonName string
	DNSNames   []string
	IPs        []net.IP
	// AlsoClient lets the certificate authenticate as a client too, as an
	// etcd member does towards its peers.
	AlsoClient bool
}

// IssueServing signs a TLS server certificate.
func (ca *KeyPair) IssueServing(s ServingCert) (*KeyPair, error) {
	template := &x509.Certificate{
		Subject:     pkix.Name{CommonName: s.CommonName},
		DNSNames:    s.DNSNames,
		IPAddresses: s.IPs,
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	if s.AlsoClient {
		template.ExtKeyUsage = append(template.ExtKeyUsage, x509.ExtKeyUsageClientAuth)
	}
	return issue(template, ca, LeafValidity)
}

// IssueClient signs a client certificate; Kubernetes reads the user name
// from the common name and the groups from the organizations.
func (ca *KeyPair) IssueClient(user string, groups ...string) (*KeyPair, error) {
	template := &x509.Certificate{
		Subject:     pkix.Name{CommonName: user, Organization: groups},
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	return issue(template, ca, LeafValidity)
}

func issue(template *x509.Certificate, ca *KeyPair, validity time.Duration) (*KeyPair, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, err
	}
	now := time.Now()
	template.SerialNumber = serial
	template.NotBefore = now.Add(-5 * time.Minute) // tolerate small clock skew
	template.NotAfter = now.Add(validity)

	parent, signer := template, crypto.Signer(key)
	if ca != nil {
		parent, signer = ca.Cert, ca.Key
	}
	der, err := x509.CreateCertificate(rand.Reader, template, parent, key.Public(), signer)
	if err != nil {
		return nil, fmt.Errorf("signing %q: %w", template.Subject.CommonName, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &KeyPair{Cert: cert, Key: key}, nil
}

// Paths returns the certificate and key file names of name in dir.
func Paths(dir, name string) (certFile, keyFile string) {
	return filepath.Join(dir, name+".crt"), filepath.Join(dir, name+".key")
}

// Write stores the pair as <dir>/<name>.crt and <dir>/<name>.key (mode 0600).
func (kp *KeyPair) Write(dir, name string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	keyPEM, err := kp.KeyPEM()
	if err != nil {
		return err
	}
	certFile, keyFile := Paths(dir, name)
	if err := os.WriteFile(keyFile, keyPEM, 0o600); err != nil {
		return err
	}
	return os.WriteFile(certFile, kp.CertPEM(), 0o644)
}

// Load reads a pair written by Write.
func Load(dir, name string) (*KeyPair, error) {
	certFile, keyFile := Paths(dir, name)
	certPEM, err := os.ReadFile(certFile)
	if err != nil {
		return nil, err
	}
	keyPEM, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, err
	}
	certBlock, _ := pem.Decode(certPEM)
	keyBlock, _ := pem.Decode(keyPEM)
	if certBlock == nil || keyBlock == nil {
		return nil, fmt.Errorf("%s or %s is not PEM", certFile, keyFile)
	}
	cert, err := x509.ParseCertificate(certBlock.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", certFile, err)
	}
	key, err := x509.ParsePKCS8PrivateKey(keyBlock.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", keyFile, err)
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("%s: not a signing key", keyFile)
	}
	return &KeyPair{Cert: cert, Key: signer}, nil
}

// LoadOrCreate loads name from dir, or creates it with create and writes it
// when its files do not exist yet.
func LoadOrCreate(dir, name string, create func() (*KeyPair, error)) (kp *KeyPair, created bool, err error) {
	kp, err = Load(dir, name)
	if err == nil {
		return kp, false, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, false, err
	}
	if kp, err = create(); err != nil {
		return nil, false, err
	}
	return kp, true, kp.Write(dir, name)
}
