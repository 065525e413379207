package localcluster

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// ControllerManagerControllers are the kube-controller-manager controllers
// the local cluster runs: those that act on aggregated resources.
var ControllerManagerControllers = []string{
	"namespace-controller",                // deletes a deleted namespace's objects, ours too
	"garbage-collector-controller",        // follows ownerReferences, ours too
	"resourcequota-controller",            // counts usage, count/crontabs.stable.example.com too
	"storage-version-migrator-controller", // StorageVersionMigrations (storagemigration.k8s.io)
}

// startControllerManager runs kube-controller-manager with its own client
// certificate (system:kube-controller-manager) and a service account per
// controller, so that each acts with the RBAC Kubernetes gives it.
func (c *Cluster) startControllerManager(ctx context.Context, certs controlPlaneCerts) error {
	kubeconfig := filepath.Join(c.Dir, "kube-controller-manager.kubeconfig")
	if err := c.writeKubeconfig(kubeconfig, certs, clientcmdapi.AuthInfo{
		ClientCertificate: certs.path("kube-controller-manager.crt"), ClientKey: certs.path("kube-controller-manager.key"),
	}); err != nil {
		return err
	}
	port, err := FreePort()
	if err != nil {
		return err
	}
	pid, err := startDetached(c.Dir, "kube-controller-manager", filepath.Join(c.BinDir, "kube-controller-manager"),
		"--kubeconfig="+kubeconfig,
		"--authentication-kubeconfig="+kubeconfig, "--authorization-kubeconfig="+kubeconfig,
		"--bind-address=127.0.0.1", fmt.Sprintf("--secure-port=%d", port),
		"--controllers="+strings.Join(ControllerManagerControllers, ","),
		"--use-service-account-credentials=true",
		"--root-ca-file="+certs.path("ca.crt"),
		"--leader-elect=false",
	)
	if err != nil {
		return err
	}
	// Its serving certificate is self-signed; /healthz needs no credentials.
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} //nolint:gosec // loopback health check only
	return WaitHTTP(ctx, client, fmt.Sprintf("https://127.0.0.1:%d/healthz", port), 2*time.Minute, pid)
}
