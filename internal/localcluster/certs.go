// Package localcluster runs a local control plane on loopback (etcd,
// kube-apiserver with the aggregation layer, and the extension API server
// behind its APIServices) for the demo and the e2e tests, and writes the
// certificates a real deployment needs.
package localcluster

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"path/filepath"

	"github.com/example/extension-apiserver/pkg/pki"
)

// The Service the APIServices point at, as artifacts/deploy names it.
const (
	ServiceNamespace = "extension-apiserver"
	ServiceName      = "extension-apiserver"
)

// WriteServingCerts writes what artifacts/deploy needs in outDir: a CA,
// a serving certificate for the Service's DNS names (and localhost), and
// apiservice-cabundle.yaml, the patch that puts the CA in every APIService.
// An existing CA is reused, so regenerating keeps the caBundle stable.
func WriteServingCerts(outDir, namespace, service string) error {
	ca, _, err := pki.LoadOrCreate(outDir, "serving-ca", func() (*pki.KeyPair, error) {
		return pki.NewCA(service + "-serving-ca")
	})
	if err != nil {
		return err
	}
	svc := service + "." + namespace + ".svc"
	serving, err := ca.IssueServing(pki.ServingCert{
		CommonName: svc,
		DNSNames:   []string{service, service + "." + namespace, svc, svc + ".cluster.local", "localhost"},
		IPs:        []net.IP{net.IPv4(127, 0, 0, 1)},
	})
	if err != nil {
		return err
	}
	if err := serving.Write(outDir, "serving"); err != nil {
		return err
	}
	patch := fmt.Sprintf("# Generated: the CA that signed serving.crt.\n- op: add\n  path: /spec/caBundle\n  value: %s\n",
		base64.StdEncoding.EncodeToString(ca.CertPEM()))
	return os.WriteFile(filepath.Join(outDir, "apiservice-cabundle.yaml"), []byte(patch), 0o644)
}

// controlPlaneCerts are the files of the local kube-apiserver's PKI.
type controlPlaneCerts struct {
	dir string
}

func (c controlPlaneCerts) path(name string) string { return filepath.Join(c.dir, name) }

// write creates the cluster CA (client certificates and kube-apiserver's
// serving certificate), the front-proxy CA and the aggregator's client
// certificate, the admin and kube-controller-manager client certificates
// and the service account signing key.
func (c controlPlaneCerts) write() error {
	ca, err := pki.NewCA("local-cluster-ca")
	if err != nil {
		return err
	}
	frontProxyCA, err := pki.NewCA("local-front-proxy-ca")
	if err != nil {
		return err
	}
	kubeServing, err := ca.IssueServing(pki.ServingCert{
		CommonName: "kube-apiserver",
		DNSNames:   []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"},
		IPs:        []net.IP{net.IPv4(127, 0, 0, 1), net.IPv4(10, 96, 0, 1)},
	})
	if err != nil {
		return err
	}
	// kube-apiserver's --requestheader-allowed-names names this client.
	frontProxyClient, err := frontProxyCA.IssueClient("front-proxy-client")
	if err != nil {
		return err
	}
	admin, err := ca.IssueClient("local-admin", "system:masters")
	if err != nil {
		return err
	}
	// Kubernetes' bootstrap RBAC knows this user.
	controllerManager, err := ca.IssueClient("system:kube-controller-manager")
	if err != nil {
		return err
	}
	for name, kp := range map[string]*pki.KeyPair{
		"ca": ca, "front-proxy-ca": frontProxyCA, "kube-apiserver": kubeServing, "front-proxy-client": frontProxyClient, "admin": admin,
		"kube-controller-manager": controllerManager,
	} {
		if err := kp.Write(c.dir, name); err != nil {
			return err
		}
	}
	return writeSigningKey(c.path("service-account.key"))
}

// writeSigningKey writes the key kube-apiserver signs and verifies service
// account tokens with.
func writeSigningKey(path string) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	return os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}), 0o600)
}
