// Package operations runs the runbook of docs/operations.md against the
// real server binary with its embedded etcd: backup and restore, and the
// space quota. Each step is the command the runbook gives
// (hack/etcd-ops.sh, which make backup and make restore run).
package operations

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/example/extension-apiserver/internal/localcluster"
	"github.com/example/extension-apiserver/internal/testutil"
	clientset "github.com/example/extension-apiserver/pkg/generated/clientset/versioned"
)

var root, serverBinary string

func TestMain(m *testing.M) {
	root, _ = filepath.Abs("../..")
	bin, err := os.MkdirTemp("", "operations-bin-")
	if err != nil {
		panic(err)
	}
	serverBinary = filepath.Join(bin, "extension-apiserver")
	build := exec.Command("go", "build", "-o", serverBinary, "./cmd/extension-apiserver")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building the server: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(bin)
	os.Exit(code)
}

// standalone is the server binary in standalone mode with its embedded etcd.
type standalone struct {
	localDir string
	port     int
	args     []string
	cmd      *exec.Cmd
	logPath  string
	exited   chan struct{}
	client   clientset.Interface
	http     *http.Client
}

// startStandalone starts the server on localDir (a new one when empty),
// waits until it is ready and stops it when the test ends.
func startStandalone(t *testing.T, localDir string, args ...string) *standalone {
	t.Helper()
	if localDir == "" {
		localDir = t.TempDir()
	}
	port, err := localcluster.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	s := &standalone{localDir: localDir, port: port, args: args, exited: make(chan struct{})}
	logFile, err := os.CreateTemp(t.TempDir(), "server-*.log")
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	s.logPath = logFile.Name()
	s.cmd = exec.Command(serverBinary, append([]string{"--mode=standalone", "--local-dir=" + localDir, "--bind-address=127.0.0.1",
		fmt.Sprintf("--secure-port=%d", port)}, args...)...)
	s.cmd.Stdout, s.cmd.Stderr = logFile, logFile
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = s.cmd.Wait(); close(s.exited) }()
	t.Cleanup(s.stop)
	kubeconfig := filepath.Join(localDir, "kubeconfig")
	testutil.WaitForNoError(t, 2*time.Minute, "the server to be ready", func(ctx context.Context) error {
		select {
		case <-s.exited:
			t.Fatalf("the server exited:\n%s", s.logText())
		default:
		}
		if _, err := os.Stat(kubeconfig); err != nil {
			return err
		}
		if s.http == nil {
			if s.http, err = adminHTTPClient(localDir); err != nil {
				return err
			}
		}
		code, body, err := s.get(ctx, "/readyz")
		if err == nil && code != http.StatusOK {
			err = fmt.Errorf("/readyz: %d %s", code, body)
		}
		return err
	})
	config, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	config.QPS, config.Burst = 1000, 2000
	config.WarningHandler = rest.NoWarnings{}
	s.client = clientset.NewForConfigOrDie(config)
	return s
}

// stop sends SIGTERM and waits until the server (and its etcd) exited.
func (s *standalone) stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(time.Minute):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
}

// logText is what the server has logged so far.
func (s *standalone) logText() string {
	data, err := os.ReadFile(s.logPath)
	if err != nil {
		return err.Error()
	}
	return string(data)
}

// get reads a path of the server as the admin.
func (s *standalone) get(ctx context.Context, path string) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("https://127.0.0.1:%d%s", s.port, path), nil)
	if err != nil {
		return 0, "", err
	}
	resp, err := s.http.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), err
}

func adminHTTPClient(localDir string) (*http.Client, error) {
	pki := filepath.Join(localDir, "pki")
	cert, err := tls.LoadX509KeyPair(filepath.Join(pki, "admin.crt"), filepath.Join(pki, "admin.key"))
	if err != nil {
		return nil, err
	}
	ca, err := os.ReadFile(filepath.Join(pki, "ca.crt"))
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca)
	return &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{Certificates: []tls.Certificate{cert}, RootCAs: pool}}}, nil
}

// etcdOps runs a runbook step, hack/etcd-ops.sh, and returns its output.
func etcdOps(args ...string) (string, error) {
	cmd := exec.Command(filepath.Join(root, "hack", "etcd-ops.sh"), args...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("hack/etcd-ops.sh %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}
