package localcluster

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// Config says where the binaries are and where the cluster keeps its state.
type Config struct {
	// Dir holds certificates, kubeconfigs, data, logs and pids.
	Dir string
	// BinDir holds etcd, kube-apiserver, extension-apiserver, and unless
	// NoController, kube-controller-manager and crontab-controller.
	BinDir string
	// DeployDir is artifacts/deploy; its base is applied to kube-apiserver.
	DeployDir string
	// NoController leaves the CronTab controller and kube-controller-manager
	// out (benchmarks: their writes and watches would add load).
	NoController bool
	// ServerArgs are extra flags of the extension API server.
	ServerArgs []string
	// EtcdArgs are extra flags of etcd (the scale run's quota).
	EtcdArgs []string
	// Log receives progress lines; nil discards them.
	Log func(format string, args ...any)
}

// Cluster is a running local control plane.
type Cluster struct {
	Config
	// KubeAPIServerURL is where clients reach kube-apiserver.
	KubeAPIServerURL string
	// ExtensionAPIServerURL is where the extension API server listens.
	ExtensionAPIServerURL string
	// EtcdURL is the etcd both servers use, under different prefixes.
	EtcdURL string

	extensionAPIServerPort int
}

// AdminKubeconfig is the kubeconfig of a system:masters user of kube-apiserver.
func (c *Cluster) AdminKubeconfig() string { return filepath.Join(c.Dir, "kubeconfig") }

// CertsDir holds the control plane's certificates.
func (c *Cluster) CertsDir() string { return filepath.Join(c.Dir, "pki") }

func (c *Config) logf(format string, args ...any) {
	if c.Log != nil {
		c.Log(format, args...)
	}
}

// Up starts etcd, kube-apiserver with the aggregation layer, and the
// extension API server in aggregated mode; applies the deployment manifests
// and waits until every APIService is Available. On failure it stops what
// it started.
func Up(ctx context.Context, cfg Config) (c *Cluster, err error) {
	// Kubeconfigs name files relative to themselves; absolute paths keep
	// them valid wherever they are used from.
	for _, dir := range []*string{&cfg.Dir, &cfg.BinDir, &cfg.DeployDir} {
		if *dir, err = filepath.Abs(*dir); err != nil {
			return nil, err
		}
	}
	bins := []string{"etcd", "kube-apiserver", "extension-apiserver"}
	if !cfg.NoController {
		bins = append(bins, "kube-controller-manager", "crontab-controller")
	}
	for _, bin := range bins {
		if _, err := os.Stat(filepath.Join(cfg.BinDir, bin)); err != nil {
			return nil, fmt.Errorf("%s is missing in %s (hack/build-tools.sh and make build create it): %w", bin, cfg.BinDir, err)
		}
	}
	if err := markStateDir(cfg.Dir, TopologyDemo); err != nil {
		return nil, err
	}
	c = &Cluster{Config: cfg}
	defer func() {
		if err != nil {
			cfg.logf("failed; logs are in %s", filepath.Join(cfg.Dir, "logs"))
			_ = stopAll(cfg.Dir, 10*time.Second)
		}
	}()

	certs := controlPlaneCerts{dir: c.CertsDir()}
	if err := certs.write(); err != nil {
		return nil, fmt.Errorf("control plane certificates: %w", err)
	}
	servingDir := filepath.Join(cfg.Dir, "serving")
	if err := WriteServingCerts(servingDir, ServiceNamespace, ServiceName); err != nil {
		return nil, fmt.Errorf("serving certificates: %w", err)
	}

	start := time.Now()
	if err := c.startEtcd(ctx); err != nil {
		return nil, err
	}
	c.logf("etcd is ready at %s (%.1fs)", c.EtcdURL, time.Since(start).Seconds())
	if err := c.startKubeAPIServer(ctx, certs); err != nil {
		return nil, err
	}
	c.logf("kube-apiserver is ready at %s (%.1fs)", c.KubeAPIServerURL, time.Since(start).Seconds())

	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	if err := c.applyManifests(ctx, servingDir, port); err != nil {
		return nil, err
	}
	c.logf("applied %s with the local overlay", filepath.Join(cfg.DeployDir, "base"))
	if err := c.startExtensionAPIServer(ctx, servingDir, port); err != nil {
		return nil, err
	}
	c.logf("extension-apiserver is ready at %s (%.1fs)", c.ExtensionAPIServerURL, time.Since(start).Seconds())
	if err := c.waitAPIServicesAvailable(ctx); err != nil {
		return nil, err
	}
	c.logf("every APIService is Available (%.1fs)", time.Since(start).Seconds())
	if !cfg.NoController {
		if err := c.startControllerManager(ctx, certs); err != nil {
			return nil, err
		}
		c.logf("kube-controller-manager is ready: %s (%.1fs)", strings.Join(ControllerManagerControllers, ", "), time.Since(start).Seconds())
		if err := c.startController(ctx); err != nil {
			return nil, err
		}
		c.logf("crontab-controller started")
	}
	return c, nil
}

func (c *Cluster) startEtcd(ctx context.Context) error {
	clientPort, err := FreePort()
	if err != nil {
		return err
	}
	peerPort, err := FreePort()
	if err != nil {
		return err
	}
	c.EtcdURL = fmt.Sprintf("http://127.0.0.1:%d", clientPort)
	peerURL := fmt.Sprintf("http://127.0.0.1:%d", peerPort)
	args := append([]string{"--name=local", "--data-dir=" + filepath.Join(c.Dir, "etcd"),
		"--listen-client-urls=" + c.EtcdURL, "--advertise-client-urls=" + c.EtcdURL,
		"--listen-peer-urls=" + peerURL, "--initial-advertise-peer-urls=" + peerURL,
		"--initial-cluster=local=" + peerURL, "--log-level=warn"}, c.EtcdArgs...)
	pid, err := startDetached(c.Dir, "etcd", filepath.Join(c.BinDir, "etcd"), args...)
	if err != nil {
		return err
	}
	if err := WaitHTTP(ctx, http.DefaultClient, c.EtcdURL+"/readyz", time.Minute, pid); err != nil {
		return err
	}
	// For hack/etcd-ops.sh --demo.
	return os.WriteFile(filepath.Join(c.Dir, "etcd-endpoints"), []byte(c.EtcdURL+"\n"), 0o644)
}

func (c *Cluster) startKubeAPIServer(ctx context.Context, certs controlPlaneCerts) error {
	port, err := FreePort()
	if err != nil {
		return err
	}
	c.KubeAPIServerURL = fmt.Sprintf("https://127.0.0.1:%d", port)
	args := []string{
		"--bind-address=127.0.0.1", "--advertise-address=127.0.0.1", fmt.Sprintf("--secure-port=%d", port),
		"--etcd-servers=" + c.EtcdURL,
		"--tls-cert-file=" + certs.path("kube-apiserver.crt"), "--tls-private-key-file=" + certs.path("kube-apiserver.key"),
		"--client-ca-file=" + certs.path("ca.crt"),
		"--authorization-mode=RBAC",
		"--service-account-issuer=https://kubernetes.default.svc",
		"--service-account-key-file=" + certs.path("service-account.key"),
		"--service-account-signing-key-file=" + certs.path("service-account.key"),
		"--service-cluster-ip-range=10.96.0.0/16",
		// The aggregation layer: kube-apiserver proxies as front-proxy-client
		// and tells the extension server who the user is in these headers,
		// which it trusts only from a certificate of this CA with that name.
		"--requestheader-client-ca-file=" + certs.path("front-proxy-ca.crt"),
		"--requestheader-allowed-names=front-proxy-client",
		"--requestheader-username-headers=X-Remote-User",
		"--requestheader-group-headers=X-Remote-Group",
		"--requestheader-extra-headers-prefix=X-Remote-Extra-",
		"--proxy-client-cert-file=" + certs.path("front-proxy-client.crt"),
		"--proxy-client-key-file=" + certs.path("front-proxy-client.key"),
		// Endpoint routing (--enable-aggregator-routing=true) refuses loopback
		// endpoints; service routing follows an ExternalName Service to localhost.
		"--enable-aggregator-routing=false",
		// The kubernetes Service cannot point at a loopback address.
		"--endpoint-reconciler-type=none",
	}
	pid, err := startDetached(c.Dir, "kube-apiserver", filepath.Join(c.BinDir, "kube-apiserver"), args...)
	if err != nil {
		return err
	}
	if err := c.writeKubeconfig(c.AdminKubeconfig(), certs, clientcmdapi.AuthInfo{
		ClientCertificate: certs.path("admin.crt"), ClientKey: certs.path("admin.key"),
	}); err != nil {
		return err
	}
	client, err := certClient(certs.path("ca.crt"), certs.path("admin.crt"), certs.path("admin.key"))
	if err != nil {
		return err
	}
	return WaitHTTP(ctx, client, c.KubeAPIServerURL+"/readyz", 2*time.Minute, pid)
}

func (c *Cluster) writeKubeconfig(path string, certs controlPlaneCerts, user clientcmdapi.AuthInfo) error {
	config := clientcmdapi.Config{
		Clusters:       map[string]*clientcmdapi.Cluster{"local": {Server: c.KubeAPIServerURL, CertificateAuthority: certs.path("ca.crt")}},
		AuthInfos:      map[string]*clientcmdapi.AuthInfo{"user": &user},
		Contexts:       map[string]*clientcmdapi.Context{"local": {Cluster: "local", AuthInfo: "user", Namespace: "default"}},
		CurrentContext: "local",
	}
	return clientcmd.WriteToFile(config, path)
}

func certClient(caFile, certFile, keyFile string) (*http.Client, error) {
	caPEM, err := os.ReadFile(caFile)
	if err != nil {
		return nil, err
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(caPEM)
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, err
	}
	return &http.Client{Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: roots, Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
	}}, nil
}

// WaitHTTP polls url every 50 ms until it answers 200, giving up when the
// process pid that should serve it has exited (or is a zombie).
func WaitHTTP(ctx context.Context, client *http.Client, url string, timeout time.Duration, pid int) error {
	deadline := time.Now().Add(timeout)
	var last string
	for time.Now().Before(deadline) {
		if !alive(pid) {
			return fmt.Errorf("the process serving %s exited (%s)", url, last)
		}
		attempt, cancel := context.WithTimeout(ctx, 5*time.Second)
		req, err := http.NewRequestWithContext(attempt, http.MethodGet, url, nil)
		if err != nil {
			cancel()
			return err
		}
		resp, err := client.Do(req)
		cancel()
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = resp.Status
		} else {
			last = err.Error()
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return fmt.Errorf("%s not ready after %s: %s", url, timeout, last)
}

// PID returns the process id of a component: etcd, kube-apiserver,
// extension-apiserver, crontab-controller, or one started with Start.
func (c *Cluster) PID(name string) (int, error) { return pidOf(c.Dir, name) }

// Start runs another process beside the cluster, stopped by Down.
func (c *Cluster) Start(name, binary string, args ...string) (int, error) {
	return startDetached(c.Dir, name, binary, args...)
}

// AdminClient is an HTTPS client that presents the admin's client
// certificate and trusts caFile.
func (c *Cluster) AdminClient(caFile string) (*http.Client, error) {
	return certClient(caFile, filepath.Join(c.CertsDir(), "admin.crt"), filepath.Join(c.CertsDir(), "admin.key"))
}

// WaitReady polls url with the admin's client certificate, trusting caFile,
// until it answers 200 or the process pid exits.
func (c *Cluster) WaitReady(ctx context.Context, url, caFile string, pid int) error {
	client, err := c.AdminClient(caFile)
	if err != nil {
		return err
	}
	return WaitHTTP(ctx, client, url, 2*time.Minute, pid)
}

// ServingDir holds the serving CA and certificate (for localhost too).
func (c *Cluster) ServingDir() string { return filepath.Join(c.Dir, "serving") }
