package monitoring

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// etcdBinary is the etcd make tools builds; without it the test fails and
// says how to build it.
func etcdBinary(t *testing.T) string {
	t.Helper()
	path, err := filepath.Abs(filepath.Join("..", "..", "_output", "bin", "etcd"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("%s is missing: make tools builds it", path)
	}
	return path
}

// serverBinary builds the server of this tree, so that the metrics checked
// are the ones this commit exports.
func serverBinary(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "extension-apiserver")
	build := exec.Command("go", "build", "-o", path, "./cmd/extension-apiserver")
	build.Dir = filepath.Join("..", "..")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the server: %v\n%s", err, out)
	}
	return path
}

// freePort returns a loopback port nothing listens on now, so that tests
// running in parallel with other packages do not collide.
func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}

// start runs a binary with its output in a file, killed when the test ends;
// a failed test shows the end of that output.
func start(t *testing.T, bin string, args ...string) {
	t.Helper()
	logPath := filepath.Join(t.TempDir(), filepath.Base(bin)+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		_ = logFile.Close()
		if t.Failed() {
			out, _ := os.ReadFile(logPath)
			t.Logf("%s output (end):\n%s", filepath.Base(bin), out[max(0, len(out)-4000):])
		}
	})
}

// startEtcd starts a one-member etcd with plain HTTP client and metrics
// URLs and returns both. The space quota is set explicitly so that the
// deployment's setting is the one exported.
func startEtcd(t *testing.T, bin string) (clientURL, metricsURL string) {
	t.Helper()
	clientURL = "http://127.0.0.1:" + freePort(t)
	peerURL := "http://127.0.0.1:" + freePort(t)
	metricsURL = "http://127.0.0.1:" + freePort(t)
	start(t, bin,
		"--name=monitoring-test",
		"--data-dir="+filepath.Join(t.TempDir(), "etcd"),
		"--listen-client-urls="+clientURL, "--advertise-client-urls="+clientURL,
		"--listen-peer-urls="+peerURL, "--initial-advertise-peer-urls="+peerURL,
		"--initial-cluster=monitoring-test="+peerURL,
		"--listen-metrics-urls="+metricsURL,
		"--quota-backend-bytes="+strconv.Itoa(1<<30))
	waitFor(t, "etcd /readyz", func() error { return expectOK(http.DefaultClient, metricsURL+"/readyz") })
	return clientURL, metricsURL
}

// startServer starts the server standalone on etcdURL and returns its URL
// and a client with the admin certificate it writes under --local-dir.
func startServer(t *testing.T, bin, etcdURL string) (string, *http.Client) {
	t.Helper()
	localDir := t.TempDir()
	port := freePort(t)
	start(t, bin, "--mode=standalone", "--local-dir="+localDir, "--bind-address=127.0.0.1",
		"--secure-port="+port, "--etcd-servers="+etcdURL)
	url := "https://127.0.0.1:" + port
	var client *http.Client
	waitFor(t, "the server's /readyz with the admin certificate", func() error {
		if client == nil {
			// The files appear while the server starts; retried until whole.
			c, err := adminClient(filepath.Join(localDir, "pki"))
			if err != nil {
				return err
			}
			client = c
		}
		return expectOK(client, url+"/readyz")
	})
	return url, client
}

func adminClient(pkiDir string) (*http.Client, error) {
	cert, err := tls.LoadX509KeyPair(filepath.Join(pkiDir, "admin.crt"), filepath.Join(pkiDir, "admin.key"))
	if err != nil {
		return nil, err
	}
	caPEM, err := os.ReadFile(filepath.Join(pkiDir, "ca.crt"))
	if err != nil {
		return nil, err
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(caPEM) {
		return nil, errors.New("no certificate in ca.crt yet")
	}
	transport := &http.Transport{TLSClientConfig: &tls.Config{Certificates: []tls.Certificate{cert}, RootCAs: roots}}
	return &http.Client{Transport: transport, Timeout: 10 * time.Second}, nil
}

// get returns the body of a 200 answer.
func get(client *http.Client, url string) ([]byte, error) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "text/plain;version=0.0.4;q=0.9,application/json;q=0.8")
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s: %s", url, resp.Status, bytes.TrimSpace(body))
	}
	return body, nil
}

func expectOK(client *http.Client, url string) error {
	_, err := get(client, url)
	return err
}

// waitFor polls check until it succeeds, failing the test after a minute
// with its last error.
func waitFor(t *testing.T, what string, check func() error) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s: %v", what, err)
		}
		time.Sleep(200 * time.Millisecond) // the poll interval
	}
}
