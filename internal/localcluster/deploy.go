package localcluster

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// APIServices are the group-versions artifacts/deploy registers.
var APIServices = []string{"v1.stable.example.com", "v1beta1.stable.example.com", "v1beta1.wardle.example.com", "v1alpha1.wardle.example.com"}

// Kubectl runs kubectl as the admin and returns its output.
func (c *Cluster) Kubectl(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "kubectl", append([]string{"--kubeconfig", c.AdminKubeconfig()}, args...)...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("kubectl %s: %w: %s", strings.Join(args, " "), err, errOut.String())
	}
	return out.String(), nil
}

// applyManifests applies artifacts/deploy/base through an overlay that adds
// the serving certificate and routes the Service to this machine: an
// ExternalName Service to localhost, on the port the server listens on.
func (c *Cluster) applyManifests(ctx context.Context, servingDir string, port int) error {
	overlay, err := filepath.Abs(filepath.Join(c.Dir, "overlay"))
	if err != nil {
		return err
	}
	if err := os.MkdirAll(overlay, 0o755); err != nil {
		return err
	}
	for _, name := range []string{"serving.crt", "serving.key", "apiservice-cabundle.yaml"} {
		data, err := os.ReadFile(filepath.Join(servingDir, name))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(overlay, name), data, 0o600); err != nil {
			return err
		}
	}
	base, err := filepath.Abs(filepath.Join(c.DeployDir, "base"))
	if err != nil {
		return err
	}
	relBase, err := filepath.Rel(overlay, base)
	if err != nil {
		return err
	}
	kustomization := fmt.Sprintf(`apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
- %s
secretGenerator:
- name: extension-apiserver-serving-cert
  namespace: %s
  type: kubernetes.io/tls
  files: [tls.crt=serving.crt, tls.key=serving.key]
  options: {disableNameSuffixHash: true}
patches:
- path: apiservice-cabundle.yaml
  target: {kind: APIService}
- target: {kind: APIService}
  patch: |-
    - {op: replace, path: /spec/service/port, value: %d}
- target: {kind: Service, name: %s}
  patch: |-
    - op: replace
      path: /spec
      value: {type: ExternalName, externalName: localhost, ports: [{name: https, port: %d, targetPort: %d}]}
`, relBase, ServiceNamespace, port, ServiceName, port, port)
	if err := os.WriteFile(filepath.Join(overlay, "kustomization.yaml"), []byte(kustomization), 0o644); err != nil {
		return err
	}
	_, err = c.Kubectl(ctx, "apply", "-k", overlay)
	return err
}

// serviceAccountKubeconfig writes a kubeconfig with a token of a
// ServiceAccount of the deployment.
func (c *Cluster) serviceAccountKubeconfig(ctx context.Context, name string) (string, error) {
	token, err := c.Kubectl(ctx, "create", "token", name, "-n", ServiceNamespace, "--duration=48h")
	if err != nil {
		return "", err
	}
	path := filepath.Join(c.Dir, name+".kubeconfig")
	return path, c.writeKubeconfig(path, controlPlaneCerts{dir: c.CertsDir()}, clientcmdapi.AuthInfo{Token: strings.TrimSpace(token)})
}

// startController runs the CronTab controller as its ServiceAccount, with
// leader election, as its Deployment would.
func (c *Cluster) startController(ctx context.Context) error {
	kubeconfig, err := c.serviceAccountKubeconfig(ctx, "crontab-controller")
	if err != nil {
		return err
	}
	_, err = startDetached(c.Dir, "crontab-controller", filepath.Join(c.BinDir, "crontab-controller"),
		"--kubeconfig="+kubeconfig, "--leader-elect=true", "--leader-elect-namespace="+ServiceNamespace)
	return err
}

// RestartExtensionAPIServer replaces the extension API server with one
// running the cluster's flags and extraArgs (a later flag overrides an
// earlier one), as a rolling update of its Deployment does: the
// replacement starts on another port, and once it is ready the old server
// gets SIGTERM and the APIServices point at the replacement. kube-apiserver
// never sees the server gone: after a stop and start in place, its
// availability check could mark the APIServices unavailable from a probe
// of the gap, after they had been seen Available again. The previous log is
// kept as logs/extension-apiserver.log.<n>.
func (c *Cluster) RestartExtensionAPIServer(ctx context.Context, extraArgs ...string) error {
	r, err := c.StartReplacement(ctx, extraArgs...)
	if err != nil {
		return err
	}
	if err := c.WaitReady(ctx, r.URL+"/readyz", filepath.Join(c.ServingDir(), "serving-ca.crt"), r.PID); err != nil {
		return err
	}
	if _, err := c.HandOver(ctx, r, 0); err != nil {
		return err
	}
	return c.waitAPIServicesAvailable(ctx)
}

// ShutdownDelay is how long a terminating extension API server still
// serves what is routed to it.
const ShutdownDelay = 2 * time.Second

// startExtensionAPIServer runs the server and waits until it is ready.
func (c *Cluster) startExtensionAPIServer(ctx context.Context, servingDir string, port int, extraArgs ...string) error {
	args, err := c.extensionAPIServerArgs(ctx, servingDir, port, extraArgs)
	if err != nil {
		return err
	}
	c.ExtensionAPIServerURL = fmt.Sprintf("https://127.0.0.1:%d", port)
	c.extensionAPIServerPort = port
	pid, err := startDetached(c.Dir, ServiceName, filepath.Join(c.BinDir, "extension-apiserver"), args...)
	if err != nil {
		return err
	}
	return c.WaitReady(ctx, c.ExtensionAPIServerURL+"/readyz", filepath.Join(servingDir, "serving-ca.crt"), pid)
}

// extensionAPIServerArgs are the flags of the server on port: aggregated
// mode as its ServiceAccount, as the Deployment runs it, with its own etcd
// prefix, then the cluster's ServerArgs and extraArgs.
func (c *Cluster) extensionAPIServerArgs(ctx context.Context, servingDir string, port int, extraArgs []string) ([]string, error) {
	kubeconfig, err := c.serviceAccountKubeconfig(ctx, ServiceName)
	if err != nil {
		return nil, err
	}
	args := append([]string{
		"--mode=aggregated", "--kubeconfig=" + kubeconfig,
		"--etcd-servers=" + c.EtcdURL, "--etcd-prefix=/extension-apiserver",
		"--bind-address=127.0.0.1", fmt.Sprintf("--secure-port=%d", port),
		"--tls-cert-file=" + filepath.Join(servingDir, "serving.crt"), "--tls-private-key-file=" + filepath.Join(servingDir, "serving.key"),
		// The CronTab controller runs here too, and removes this finalizer.
		"--enable-admission-plugins=CronTabCleanup",
		// The Deployment's graceful shutdown, with a delay long enough for
		// the aggregator here (HandOver's routing lag is shorter).
		"--shutdown-delay-duration=" + ShutdownDelay.String(), "--shutdown-send-retry-after=true",
	}, c.ServerArgs...)
	return append(args, extraArgs...), nil
}

func (c *Cluster) waitAPIServicesAvailable(ctx context.Context) error {
	args := []string{"wait", "--for=condition=Available", "--timeout=120s"}
	for _, name := range APIServices {
		args = append(args, "apiservice/"+name)
	}
	_, err := c.Kubectl(ctx, args...)
	return err
}
