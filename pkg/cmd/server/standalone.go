package server

import (
	"fmt"
	"net"
	"os"
	"path/filepath"

	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/klog/v2"

	"github.com/example/extension-apiserver/pkg/embedded"
)

// localPKI is standalone mode's CA and certificates, also used by the
// embedded etcd in any mode.
func (o *Options) localPKI() embedded.LocalPKI {
	return embedded.LocalPKI{Dir: filepath.Join(o.LocalDir, "pki")}
}

// KubeconfigPath is where standalone mode writes the admin kubeconfig.
func (o *Options) KubeconfigPath() string {
	return filepath.Join(o.LocalDir, "kubeconfig")
}

func (o *Options) needsLocalPKI() bool {
	return o.mode == ModeStandalone || o.embeddedEtcd
}

func (o *Options) ensureLocalPKI() error {
	hostName, _ := os.Hostname()
	var hostNames []string
	if hostName != "" {
		hostNames = append(hostNames, hostName)
	}
	var ips []net.IP
	if bind := o.RecommendedOptions.SecureServing.BindAddress; bind != nil && !bind.IsUnspecified() && !bind.IsLoopback() {
		ips = append(ips, bind)
	}
	created, err := o.localPKI().Ensure(hostNames, ips)
	if err != nil {
		return err
	}
	if created {
		klog.InfoS("Created the local CA and certificates", "dir", o.localPKI().Dir)
	}
	return nil
}

// applyStandalone makes the server trust the local CA for client
// certificates and the system:masters group for authorization, and turns
// off what needs a kube-apiserver.
func (o *Options) applyStandalone() {
	ro := o.RecommendedOptions
	pki := o.localPKI()
	if ro.SecureServing.ServerCert.CertKey.CertFile == "" {
		ro.SecureServing.ServerCert.CertKey.CertFile = pki.File("serving", ".crt")
		ro.SecureServing.ServerCert.CertKey.KeyFile = pki.File("serving", ".key")
	}
	if o.flags == nil || !o.flags.Changed("bind-address") {
		ro.SecureServing.BindAddress = net.IPv4(127, 0, 0, 1)
	}

	ro.Authentication.RemoteKubeConfigFile = ""
	ro.Authentication.RemoteKubeConfigFileOptional = true
	ro.Authentication.SkipInClusterLookup = true
	if ro.Authentication.ClientCert.ClientCA == "" {
		ro.Authentication.ClientCert.ClientCA = pki.CAFile()
	}
	ro.Authorization.RemoteKubeConfigFile = ""
	ro.Authorization.RemoteKubeConfigFileOptional = true

	ro.CoreAPI = nil
	ro.Features.EnablePriorityAndFairness = false
	// No garbage collector runs without kube-controller-manager: orphan and
	// foreground deletion would leave their finalizers on objects forever.
	if o.flags == nil || !o.flags.Changed("enable-garbage-collector") {
		ro.Etcd.EnableGarbageCollection = false
	}
	klog.InfoS("Standalone mode: no kube-apiserver; the admission plugins that need one, API Priority and Fairness and garbage collection are off",
		"pluginsOff", sets.List(coreAPIPlugins), "clientCA", ro.Authentication.ClientCert.ClientCA, "authorizedGroup", embedded.AdminGroup)
}

// useEmbeddedEtcd points the storage at the embedded etcd, over mutual TLS
// with the local CA.
func (o *Options) useEmbeddedEtcd(etcd *embedded.Etcd) {
	pki := o.localPKI()
	transport := &o.RecommendedOptions.Etcd.StorageConfig.Transport
	transport.ServerList = []string{etcd.ClientURL}
	transport.CertFile = pki.File("etcd-client", ".crt")
	transport.KeyFile = pki.File("etcd-client", ".key")
	transport.TrustedCAFile = pki.CAFile()
}

func (o *Options) embeddedEtcdConfig() embedded.EtcdConfig {
	pki := o.localPKI()
	return embedded.EtcdConfig{
		DataDir:       o.DataDir,
		CertFile:      pki.File("etcd-server", ".crt"),
		KeyFile:       pki.File("etcd-server", ".key"),
		TrustedCAFile: pki.CAFile(),
		QuotaBytes:    o.EmbeddedEtcdQuotaBytes,
	}
}

// EmbeddedEtcdEndpointPath is where the running server records its embedded
// etcd's client URL, for the operator's etcdctl (make backup); the client
// certificate is <local-dir>/pki/etcd-client.crt.
func (o *Options) EmbeddedEtcdEndpointPath() string {
	return filepath.Join(o.LocalDir, "embedded-etcd-endpoint")
}

// writeKubeconfig writes the admin kubeconfig for the port actually bound.
func (o *Options) writeKubeconfig() (string, error) {
	host := o.RecommendedOptions.SecureServing.BindAddress
	if host == nil || host.IsUnspecified() {
		host = net.IPv4(127, 0, 0, 1)
	}
	serverURL := fmt.Sprintf("https://%s", net.JoinHostPort(host.String(), fmt.Sprint(o.RecommendedOptions.SecureServing.BindPort)))
	return serverURL, o.localPKI().WriteAdminKubeconfig(o.KubeconfigPath(), serverURL)
}
