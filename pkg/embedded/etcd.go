// Package embedded provides what standalone mode runs without a cluster: an
// in-process etcd and a local PKI with an admin kubeconfig.
package embedded

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
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
	// QuotaBytes is the space quota of etcd's database; 0 is etcd's default.
	QuotaBytes int64
}

// Etcd is a running single-member etcd on loopback.
type Etcd struct {
	server             *embed.Etcd
	ClientURL, PeerURL string
	stopping           *atomic.Bool
}

// StartEtcd starts etcd on free loopback ports and waits until it serves.
// Data written before under DataDir is kept. A port found free can be
// taken by another process before etcd binds it: etcd then starts again on
// other free ports.
func StartEtcd(ctx context.Context, c EtcdConfig) (*Etcd, error) {
	for attempt := 1; ; attempt++ {
		e, err := startEtcd(ctx, c)
		if err == nil || attempt == 5 || (c.ClientURL != "" && c.PeerURL != "") || !addressInUse(err) {
			return e, err
		}
	}
}

func addressInUse(err error) bool {
	return errors.Is(err, syscall.EADDRINUSE) || strings.Contains(err.Error(), "address already in use")
}

func startEtcd(ctx context.Context, c EtcdConfig) (*Etcd, error) {
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
	cfg.QuotaBackendBytes = c.QuotaBytes
	cfg.ClientTLSInfo.CertFile = c.CertFile
	cfg.ClientTLSInfo.KeyFile = c.KeyFile
	cfg.ClientTLSInfo.TrustedCAFile = c.TrustedCAFile
	cfg.ClientTLSInfo.ClientCertAuth = true
	// Errors only, and none once Stop began: closing its listeners makes
	// etcd log each of them as a failure, with a stack trace.
	stopping := &atomic.Bool{}
	logger, err := zap.NewProduction(zap.IncreaseLevel(zapcore.ErrorLevel), zap.WrapCore(func(core zapcore.Core) zapcore.Core {
		return quietWhenStopping{Core: core, stopping: stopping}
	}))
	if err != nil {
		return nil, err
	}
	cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(logger)

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
		return &Etcd{server: server, ClientURL: clientURL.String(), PeerURL: peerURL.String(), stopping: stopping}, nil
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
	e.stopping.Store(true)
	e.server.Close()
}

// quietWhenStopping drops log entries once the etcd is being stopped.
type quietWhenStopping struct {
	zapcore.Core
	stopping *atomic.Bool
}

func (q quietWhenStopping) Check(entry zapcore.Entry, checked *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if q.stopping.Load() {
		return checked
	}
	return q.Core.Check(entry, checked)
}

func (q quietWhenStopping) With(fields []zapcore.Field) zapcore.Core {
	return quietWhenStopping{Core: q.Core.With(fields), stopping: q.stopping}
}

// Err reports errors etcd hits after it started.
func (e *Etcd) Err() <-chan error {
	return e.server.Err()
}

func urlOrFree(given, scheme string) (*url.URL, error) {
	if given != "" {
		return url.Parse(given)
	}
	return pickLoopbackURL(scheme)
}

// pickLoopbackURL is freeLoopbackURL; tests replace it.
var pickLoopbackURL = freeLoopbackURL

func freeLoopbackURL(scheme string) (*url.URL, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("finding a free loopback port: %w", err)
	}
	defer l.Close()
	return &url.URL{Scheme: scheme, Host: l.Addr().String()}, nil
}
