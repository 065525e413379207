package embedded

import (
	"fmt"
	"net"
	"os"
	"path/filepath"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/example/extension-apiserver/pkg/pki"
)

// AdminUser and AdminGroup identify the kubeconfig written for standalone
// mode; the group is the one every Kubernetes authorizer lets do anything.
const (
	AdminUser  = "standalone-admin"
	AdminGroup = "system:masters"
)

// LocalPKI holds the files of standalone mode under one directory.
type LocalPKI struct {
	Dir string
}

// File returns the path of a certificate (".crt") or key (".key") by name.
func (p LocalPKI) File(name, ext string) string {
	return filepath.Join(p.Dir, name+ext)
}

// CAFile is the CA that signs every local certificate and that the server
// trusts for client certificates.
func (p LocalPKI) CAFile() string { return p.File("ca", ".crt") }

// Ensure creates, on first use, the CA, the server's serving certificate for
// loopback and hostName, the etcd server and client certificates, and the
// admin client certificate. Existing files are kept, so clients keep working
// across restarts.
func (p LocalPKI) Ensure(hostNames []string, ips []net.IP) (createdCA bool, err error) {
	ca, createdCA, err := pki.LoadOrCreate(p.Dir, "ca", func() (*pki.KeyPair, error) {
		return pki.NewCA("extension-apiserver-standalone-ca")
	})
	if err != nil {
		return false, fmt.Errorf("local CA in %s: %w", p.Dir, err)
	}
	loopback := pki.ServingCert{DNSNames: []string{"localhost"}, IPs: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}}
	serving := pki.ServingCert{CommonName: "extension-apiserver", DNSNames: append(loopback.DNSNames, hostNames...), IPs: append(loopback.IPs, ips...)}
	etcdServing := loopback
	etcdServing.CommonName = "embedded-etcd"

	leaves := map[string]func() (*pki.KeyPair, error){
		"serving":     func() (*pki.KeyPair, error) { return ca.IssueServing(serving) },
		"etcd-server": func() (*pki.KeyPair, error) { return ca.IssueServing(etcdServing) },
		"etcd-client": func() (*pki.KeyPair, error) { return ca.IssueClient("extension-apiserver") },
		"admin":       func() (*pki.KeyPair, error) { return ca.IssueClient(AdminUser, AdminGroup) },
	}
	for name, create := range leaves {
		if createdCA {
			// Leaves signed by an earlier CA would not verify any more.
			_ = os.Remove(p.File(name, ".crt"))
			_ = os.Remove(p.File(name, ".key"))
		}
		if _, _, err := pki.LoadOrCreate(p.Dir, name, create); err != nil {
			return false, fmt.Errorf("%s certificate in %s: %w", name, p.Dir, err)
		}
	}
	return createdCA, nil
}

// WriteAdminKubeconfig writes a kubeconfig for the admin identity that
// reaches the server at serverURL.
func (p LocalPKI) WriteAdminKubeconfig(path, serverURL string) error {
	caPEM, err := os.ReadFile(p.CAFile())
	if err != nil {
		return err
	}
	certPEM, err := os.ReadFile(p.File("admin", ".crt"))
	if err != nil {
		return err
	}
	keyPEM, err := os.ReadFile(p.File("admin", ".key"))
	if err != nil {
		return err
	}
	const name = "extension-apiserver"
	config := clientcmdapi.Config{
		Clusters:       map[string]*clientcmdapi.Cluster{name: {Server: serverURL, CertificateAuthorityData: caPEM}},
		AuthInfos:      map[string]*clientcmdapi.AuthInfo{AdminUser: {ClientCertificateData: certPEM, ClientKeyData: keyPEM}},
		Contexts:       map[string]*clientcmdapi.Context{name: {Cluster: name, AuthInfo: AdminUser, Namespace: "default"}},
		CurrentContext: name,
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return clientcmd.WriteToFile(config, path)
}
