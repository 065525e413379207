// Package e2e runs the extension API server behind a real kube-apiserver
// (built from the Go module proxy by hack/build-tools.sh) and checks what
// users get through the aggregation layer.
package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/example/extension-apiserver/internal/localcluster"
)

var cluster *localcluster.Cluster

// defaultMaxReplicas is CronTabReplicaLimit's default in the e2e cluster.
const defaultMaxReplicas = 8

var admissionConfiguration = fmt.Sprintf(`apiVersion: apiserver.config.k8s.io/v1
kind: AdmissionConfiguration
plugins:
- name: CronTabReplicaLimit
  configuration:
    apiVersion: admission.stable.example.com/v1alpha1
    kind: CronTabReplicaLimitConfiguration
    defaultMaxReplicas: %d
`, defaultMaxReplicas)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	root, err := filepath.Abs("../..")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	binDir, err := prepareBinaries(root)
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
		return 1
	}
	dir, err := os.MkdirTemp("", "e2e-cluster-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	admissionConfig := filepath.Join(dir, "admission.yaml")
	if err := os.WriteFile(admissionConfig, []byte(admissionConfiguration), 0o600); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	start := time.Now()
	cluster, err = localcluster.Up(ctx, localcluster.Config{Dir: dir, BinDir: binDir, DeployDir: filepath.Join(root, "artifacts", "deploy"),
		ServerArgs: []string{"--admission-control-config-file=" + admissionConfig},
		Log:        func(format string, args ...any) { fmt.Printf("e2e: "+format+"\n", args...) }})
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: the cluster did not come up: %v\n", err)
		_ = localcluster.Down(dir)
		return 1
	}
	fmt.Printf("e2e: cluster up in %.1fs\n", time.Since(start).Seconds())
	code := m.Run()
	if err := localcluster.Down(dir); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: stopping the cluster: %v\n", err)
	}
	return code
}

// prepareBinaries builds etcd, kube-apiserver and kube-controller-manager
// once into _output/bin (the script keeps them) and this tree's server into
// a fresh directory, so that the tests never run a stale server binary.
func prepareBinaries(root string) (string, error) {
	tools := exec.Command(filepath.Join(root, "hack", "build-tools.sh"))
	tools.Stdout, tools.Stderr = os.Stdout, os.Stderr
	if err := tools.Run(); err != nil {
		return "", fmt.Errorf("hack/build-tools.sh: %w", err)
	}
	binDir, err := os.MkdirTemp("", "e2e-bin-")
	if err != nil {
		return "", err
	}
	for _, name := range []string{"etcd", "kube-apiserver", "kube-controller-manager"} {
		if err := os.Symlink(filepath.Join(root, "_output", "bin", name), filepath.Join(binDir, name)); err != nil {
			return "", err
		}
	}
	for _, name := range []string{"extension-apiserver", "crontab-controller"} {
		build := exec.Command("go", "build", "-o", filepath.Join(binDir, name), "./cmd/"+name)
		build.Dir, build.Stdout, build.Stderr = root, os.Stdout, os.Stderr
		if err := build.Run(); err != nil {
			return "", fmt.Errorf("building %s: %w", name, err)
		}
	}
	return binDir, nil
}
