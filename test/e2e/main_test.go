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
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	utilrand "k8s.io/apimachinery/pkg/util/rand"

	"github.com/example/extension-apiserver/internal/localcluster"
)

// testCluster is a control plane the tests reach: etcd, kube-apiserver,
// this server behind its APIServices, kube-controller-manager and the
// CronTab controller. The helpers that talk to a cluster are its methods.
type testCluster struct{ *localcluster.Cluster }

// shared is the cluster of the tests that touch only their own namespaces
// and their own cluster-scoped objects. A test that restarts a component,
// swaps certificates or changes cluster-wide state runs on its own cluster
// (ownCluster) instead.
var shared *testCluster

// clusterConfig is how every cluster of the suite is started.
var clusterConfig localcluster.Config

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
	clusterConfig = localcluster.Config{BinDir: binDir, DeployDir: filepath.Join(root, "artifacts", "deploy"),
		ServerArgs: []string{"--admission-control-config-file=" + admissionConfig},
		Log:        func(format string, args ...any) { fmt.Printf("e2e: "+format+"\n", args...) }}
	config := clusterConfig
	config.Dir = filepath.Join(dir, "shared")
	c, err := localcluster.Up(ctx, config)
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: the cluster did not come up: %v\n", err)
		_ = localcluster.Down(config.Dir)
		return 1
	}
	shared = &testCluster{c}
	fmt.Printf("e2e: cluster up in %.1fs\n", time.Since(start).Seconds())
	code := m.Run()
	if err := localcluster.Down(config.Dir); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: stopping the cluster: %v\n", err)
	}
	_ = os.RemoveAll(dir)
	return code
}

// ownCluster starts a cluster for one test, with serverArgs as extra flags
// of the extension API server, and stops it when the test ends.
func ownCluster(t *testing.T, serverArgs ...string) *testCluster {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	config := clusterConfig
	config.Dir = filepath.Join(t.TempDir(), "cluster")
	config.ServerArgs = append(slices.Clone(config.ServerArgs), serverArgs...)
	config.Log = t.Logf
	start := time.Now()
	c, err := localcluster.Up(ctx, config)
	if err != nil {
		t.Fatalf("the test's own cluster did not come up: %v", err)
	}
	t.Cleanup(func() {
		if err := localcluster.Down(config.Dir); err != nil {
			t.Errorf("stopping the test's own cluster: %v", err)
		}
	})
	t.Logf("own cluster up in %.1fs", time.Since(start).Seconds())
	return &testCluster{c}
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

// notInName is what a test's name holds that an object's name may not.
var notInName = regexp.MustCompile(`[^a-z0-9]+`)

// testObjectName is a name for the test's own objects: base, the test's
// name and a random suffix, so that a test run again (go test -count=3)
// never meets what its earlier run left, even while it is still being
// deleted.
func testObjectName(t *testing.T, base string) string {
	test := strings.Trim(notInName.ReplaceAllString(strings.ToLower(t.Name()), "-"), "-")
	name := strings.Trim(base+"-"+test[:min(len(test), 40)], "-")
	return name + "-" + utilrand.String(5)
}

// namespace creates a namespace of the test's own, labelled with the test,
// and deletes it when the test ends.
func (c *testCluster) namespace(t *testing.T) string {
	t.Helper()
	name := testObjectName(t, "e2e")
	c.kubectl(t, "create", "namespace", name)
	t.Cleanup(func() { _, _ = c.Kubectl(context.Background(), "delete", "namespace", name, "--wait=false") })
	return name
}
