package testutil

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/example/extension-apiserver/internal/localcluster"
)

// StartHA builds the server and starts the HA topology (3 etcd members,
// 2 replicas) in a temporary directory, stopped when the test ends;
// replicaArgs are extra flags of both replicas. etcd comes from
// _output/bin (make tools).
func StartHA(t *testing.T, replicaArgs ...string) *localcluster.HA {
	t.Helper()
	return StartHAWith(t, localcluster.HAOptions{ReplicaArgs: replicaArgs})
}

// StartHAWith starts the HA topology shaped by o, as StartHA does.
func StartHAWith(t *testing.T, o localcluster.HAOptions) *localcluster.HA {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	binDir := t.TempDir()
	for _, tool := range []string{"etcd", "etcdutl"} {
		if err := os.Symlink(filepath.Join(root, "_output", "bin", tool), filepath.Join(binDir, tool)); err != nil {
			t.Fatal(err)
		}
	}
	build := exec.Command("go", "build", "-o", filepath.Join(binDir, "extension-apiserver"), "./cmd/extension-apiserver")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the server: %v\n%s", err, out)
	}
	dir := t.TempDir()
	ha, err := localcluster.HAUpWith(context.Background(), dir, binDir, t.Logf, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = localcluster.HADown(dir) })
	return ha
}

// ReplicaConfig is the admin client configuration of a replica, with room
// for a test's load: client-go's default of 5 requests per second would be
// its limit.
func ReplicaConfig(t *testing.T, r *localcluster.Process) *rest.Config {
	t.Helper()
	config, err := clientcmd.BuildConfigFromFlags("", r.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	config.Timeout = 15 * time.Second
	config.QPS, config.Burst = 50, 100
	config.WarningHandler = rest.NoWarnings{}
	return config
}

// EtcdClient reaches the topology's main etcd cluster over its mutual TLS;
// closed when the test ends.
func EtcdClient(t *testing.T, ha *localcluster.HA) *clientv3.Client {
	t.Helper()
	return EtcdClientOf(t, ha, ha.Members)
}

// EtcdClientOf reaches the given members (a separate group's cluster) as
// EtcdClient does.
func EtcdClientOf(t *testing.T, ha *localcluster.HA, members []*localcluster.Process) *clientv3.Client {
	t.Helper()
	config, err := ha.EtcdClientConfigOf(members)
	if err != nil {
		t.Fatal(err)
	}
	etcd, err := clientv3.New(config)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = etcd.Close() })
	return etcd
}
