package testutil

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"go.etcd.io/etcd/client/pkg/v3/transport"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/example/extension-apiserver/pkg/embedded"
)

// TLSEtcds start embedded etcd clusters of one member each that share a
// local PKI (as the clusters of --etcd-servers-overrides share their TLS
// files), each stopped when the test ends.
type TLSEtcds struct {
	t   testing.TB
	dir string
	PKI embedded.LocalPKI
}

// NewTLSEtcds creates the PKI in a temporary directory.
func NewTLSEtcds(t testing.TB) *TLSEtcds {
	t.Helper()
	dir := t.TempDir()
	pki := embedded.LocalPKI{Dir: filepath.Join(dir, "pki")}
	if _, err := pki.Ensure(nil, nil); err != nil {
		t.Fatal(err)
	}
	return &TLSEtcds{t: t, dir: dir, PKI: pki}
}

// Start starts the cluster name with a space quota (0: etcd's default) and
// returns its client URL and a client with the PKI's etcd client
// certificate, closed when the test ends.
func (e *TLSEtcds) Start(name string, quota int64) (string, *clientv3.Client) {
	e.t.Helper()
	etcd, err := embedded.StartEtcd(context.Background(), embedded.EtcdConfig{DataDir: filepath.Join(e.dir, name), QuotaBytes: quota,
		CertFile: e.PKI.File("etcd-server", ".crt"), KeyFile: e.PKI.File("etcd-server", ".key"), TrustedCAFile: e.PKI.CAFile()})
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(etcd.Stop)
	tlsConfig, err := transport.TLSInfo{CertFile: e.ClientCert(), KeyFile: e.ClientKey(), TrustedCAFile: e.PKI.CAFile()}.ClientConfig()
	if err != nil {
		e.t.Fatal(err)
	}
	client, err := clientv3.New(clientv3.Config{Endpoints: []string{etcd.ClientURL}, TLS: tlsConfig, DialTimeout: 10 * time.Second})
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { _ = client.Close() })
	return etcd.ClientURL, client
}

// ClientCert and ClientKey are the etcd client certificate of the PKI.
func (e *TLSEtcds) ClientCert() string { return e.PKI.File("etcd-client", ".crt") }
func (e *TLSEtcds) ClientKey() string  { return e.PKI.File("etcd-client", ".key") }
