// Package embedded provides what standalone mode runs without a cluster: an
// in-process etcd and a local PKI with an admin kubeconfig.
package embedded

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
)

// EtcdConfig says where the embedded etcd keeps its data and which
// certificates it serves and trusts.
type EtcdConfig struct {
	DataDir string
	// CertFile and KeyFile are the etcd server's certificate; clients must
	// present a certificate signed by TrustedCAFile.
	CertFile, KeyFile, TrustedCAFile string
	// StartTimeout bounds how long Start waits for etcd to be ready.
	StartTimeout time.Duration
	// ClientURL and PeerURL, when set, are where etcd listens; otherwise
	// free loopback ports are picked. Restarting on the same ports lets
	// clients reconnect.
	ClientURL, PeerURL string
}

// Etcd is a running single-member etcd on loopback.
type Etcd struct {
	server             *embed.Etcd
	ClientURL, PeerURL string
}

// StartEtcd starts etcd on free loopback ports and waits until it serves.
// Data written before under DataDir is kept.
func StartEtcd(ctx context.Context, c EtcdConfig) (*Etcd, error) {
	clientURL, err := urlOrFree(c.ClientURL, "https")
	if err != nil {
		return nil, err
	}
	peerURL, err := urlOrFree(c.PeerURL, "http")
	if err != nil {
		return nil, err
	}
	cfg := embed.NewConfig()
	cfg.Name = "standalone"
	cfg.Dir = c.DataDir
	cfg.ListenClientUrls = []url.URL{*clientURL}
	cfg.AdvertiseClientUrls = []url.URL{*clientURL}
	cfg.ListenPeerUrls = []url.URL{*peerURL}
	cfg.AdvertisePeerUrls = []url.URL{*peerURL}
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
	cfg.ClientTLSInfo.CertFile = c.CertFile
	cfg.ClientTLSInfo.KeyFile = c.KeyFile
	cfg.ClientTLSInfo.TrustedCAFile = c.TrustedCAFile
	cfg.ClientTLSInfo.ClientCertAuth = true
	cfg.LogLevel = "error"
	cfg.LogOutputs = []string{"stderr"}

	server, err := embed.StartEtcd(cfg)
	if err != nil {
		return nil, fmt.Errorf("starting embedded etcd in %s: %w", c.DataDir, err)
	}
	timeout := c.StartTimeout
	if timeout == 0 {
		timeout = time.Minute
	}
	select {
	case <-server.Server.ReadyNotify():
		return &Etcd{server: server, ClientURL: clientURL.String(), PeerURL: peerURL.String()}, nil
	case err := <-server.Err():
		server.Close()
		return nil, fmt.Errorf("embedded etcd failed: %w", err)
	case <-time.After(timeout):
		server.Close()
		return nil, fmt.Errorf("embedded etcd in %s not ready after %s", c.DataDir, timeout)
	case <-ctx.Done():
		server.Close()
		return nil, ctx.Err()
	}
}

// Stop closes etcd after its pending writes are flushed.
func (e *Etcd) Stop() {
	e.server.Close()
}

// Err reports errors etcd hits after it started.
func (e *Etcd) Err() <-chan error {
	return e.server.Err()
}

func urlOrFree(given, scheme string) (*url.URL, error) {
	if given != "" {
		return url.Parse(given)
	}
	return freeLoopbackURL(scheme)
}

func freeLoopbackURL(scheme string) (*url.URL, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("finding a free loopback port: %w", err)
	}
	defer l.Close()
	return &url.URL{Scheme: scheme, Host: l.Addr().String()}, nil
}
