// Package framework starts real extension API servers, in process, on
// loopback ports for the integration tests, and stops them afterwards.
package framework

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.etcd.io/etcd/client/pkg/v3/transport"
	clientv3 "go.etcd.io/etcd/client/v3"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/example/extension-apiserver/internal/promtext"
	"github.com/example/extension-apiserver/pkg/cmd/server"
	"github.com/example/extension-apiserver/pkg/embedded"
	clientset "github.com/example/extension-apiserver/pkg/generated/clientset/versioned"
	"github.com/example/extension-apiserver/pkg/pki"
)

// ServerConfig says how to start a server. The zero value starts a
// standalone server with its own embedded etcd in a fresh directory.
type ServerConfig struct {
	// LocalDir holds PKI, kubeconfig and embedded etcd data; reuse it to
	// restart a server on the same data.
	LocalDir string
	// Etcd, when set, is used instead of an embedded etcd.
	Etcd *Etcd
	// Args are extra command-line flags.
	Args []string
}

// Server is a running server.
type Server struct {
	LocalDir       string
	KubeconfigPath string
	URL            string
	Config         *rest.Config

	cancel context.CancelFunc
	exited chan struct{} // closed when the server's Run returned
	err    error         // what Run returned
}

// StartServer starts a server and waits until it is ready; it is stopped
// when the test ends.
func StartServer(t testing.TB, c ServerConfig) *Server {
	t.Helper()
	if c.LocalDir == "" {
		c.LocalDir = t.TempDir()
	}
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := listener.Addr().(*net.TCPAddr).Port

	opts := server.NewOptions(io.Discard)
	ctx, cancel := context.WithCancel(context.Background())
	cmd := server.NewCommand(ctx, opts)
	args := []string{"--local-dir", c.LocalDir, "--bind-address", "127.0.0.1", "--secure-port", fmt.Sprint(port)}
	if c.Etcd != nil {
		args = append(args, c.Etcd.Flags()...)
	}
	cmd.SetArgs(append(args, c.Args...))
	opts.RecommendedOptions.SecureServing.Listener = listener

	s := &Server{LocalDir: c.LocalDir, KubeconfigPath: filepath.Join(c.LocalDir, "kubeconfig"), cancel: cancel, exited: make(chan struct{})}
	go func() {
		s.err = cmd.Execute()
		close(s.exited)
	}()
	t.Cleanup(s.Stop)

	if err := s.waitReady(t, 60*time.Second); err != nil {
		t.Fatalf("server did not become ready: %v", err)
	}
	return s
}

// Stop shuts the server down and waits until it has drained.
func (s *Server) Stop() {
	if s.cancel == nil {
		return
	}
	s.cancel()
	s.cancel = nil
	select {
	case <-s.exited:
	case <-time.After(60 * time.Second):
	}
}

func (s *Server) waitReady(t testing.TB, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var lastErr error
	err := wait.PollUntilContextCancel(ctx, 100*time.Millisecond, true, func(ctx context.Context) (bool, error) {
		select {
		case <-s.exited:
			return false, fmt.Errorf("server exited: %w", s.err)
		default:
		}
		if _, err := os.Stat(s.KubeconfigPath); err != nil {
			lastErr = err
			return false, nil
		}
		config, err := clientcmd.BuildConfigFromFlags("", s.KubeconfigPath)
		if err != nil {
			return false, err
		}
		client, err := rest.HTTPClientFor(config)
		if err != nil {
			return false, err
		}
		resp, err := client.Get(config.Host + "/readyz")
		if err != nil {
			lastErr = err
			return false, nil
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			lastErr = fmt.Errorf("/readyz: %s", resp.Status)
			return false, nil
		}
		s.Config, s.URL = config, config.Host
		return true, nil
	})
	if err != nil && lastErr != nil {
		return errors.Join(err, lastErr)
	}
	return err
}

// Clientset returns the generated clientset for the admin identity.
func (s *Server) Clientset(t testing.TB) clientset.Interface {
	t.Helper()
	c, err := clientset.NewForConfig(s.Config)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Etcd is an etcd shared by several servers in a test.
type Etcd struct {
	URL                       string
	CAFile, CertFile, KeyFile string

	config embedded.EtcdConfig
	server *embedded.Etcd
}

// Stop stops etcd, as an outage would.
func (e *Etcd) Stop() {
	if e.server != nil {
		e.server.Stop()
		e.server = nil
	}
}

// Restart starts etcd again on the same ports and data.
func (e *Etcd) Restart(t testing.TB) {
	t.Helper()
	server, err := embedded.StartEtcd(context.Background(), e.config)
	if err != nil {
		t.Fatal(err)
	}
	e.server = server
}

// Flags point a server at this etcd.
func (e *Etcd) Flags() []string {
	return []string{"--etcd-servers", e.URL, "--etcd-cafile", e.CAFile, "--etcd-certfile", e.CertFile, "--etcd-keyfile", e.KeyFile}
}

// StartEtcd starts an etcd on loopback with mutual TLS; it is stopped when
// the test ends.
func StartEtcd(t testing.TB) *Etcd {
	t.Helper()
	return startEtcd(t, filepath.Join(t.TempDir(), "pki"))
}

// Another starts a second etcd cluster with the same CA and certificates,
// as --etcd-servers-overrides needs (the clusters share the client's TLS
// files).
func (e *Etcd) Another(t testing.TB) *Etcd {
	t.Helper()
	return startEtcd(t, filepath.Dir(e.CAFile))
}

func startEtcd(t testing.TB, pkiDir string) *Etcd {
	t.Helper()
	dir := t.TempDir()
	localPKI := embedded.LocalPKI{Dir: pkiDir}
	if _, err := localPKI.Ensure(nil, nil); err != nil {
		t.Fatal(err)
	}
	config := embedded.EtcdConfig{
		DataDir:       filepath.Join(dir, "data"),
		CertFile:      localPKI.File("etcd-server", ".crt"),
		KeyFile:       localPKI.File("etcd-server", ".key"),
		TrustedCAFile: localPKI.CAFile(),
	}
	etcd, err := embedded.StartEtcd(context.Background(), config)
	if err != nil {
		t.Fatal(err)
	}
	config.ClientURL, config.PeerURL = etcd.ClientURL, etcd.PeerURL
	certFile, keyFile := pki.Paths(localPKI.Dir, "etcd-client")
	e := &Etcd{URL: etcd.ClientURL, CAFile: localPKI.CAFile(), CertFile: certFile, KeyFile: keyFile, config: config, server: etcd}
	t.Cleanup(e.Stop)
	return e
}

// Client returns an etcd client for reading what the servers stored.
func (e *Etcd) Client(t testing.TB) *clientv3.Client {
	t.Helper()
	tlsConfig, err := transport.TLSInfo{CertFile: e.CertFile, KeyFile: e.KeyFile, TrustedCAFile: e.CAFile}.ClientConfig()
	if err != nil {
		t.Fatal(err)
	}
	client, err := clientv3.New(clientv3.Config{Endpoints: []string{e.URL}, TLS: tlsConfig, DialTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	return client
}

// Metric adds the series of name in the server's /metrics whose labels
// hold every pair of labels; 0 when there are none yet.
func (s *Server) Metric(t testing.TB, name string, labels map[string]string) float64 {
	t.Helper()
	client, err := rest.HTTPClientFor(s.Config)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := client.Get(s.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	metrics, err := promtext.Parse(body)
	if err != nil {
		t.Fatal(err)
	}
	return metrics.Sum(name, labels)
}
