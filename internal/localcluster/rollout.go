package localcluster

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"time"

	"golang.org/x/sync/errgroup"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/tools/clientcmd"
)

// Replacement is a second extension API server started beside the running
// one, as a rolling update's surge pod is, not yet routed to.
type Replacement struct {
	// URL is where it listens, on a port of its own.
	URL  string
	PID  int
	port int
}

// Handover is when the steps of a handover happened.
type Handover struct {
	// Terminated is when the old server got SIGTERM.
	Terminated time.Time
	// Rerouting is when routing to the replacement began: what was sent
	// between Terminated and Rerouting went to the old server.
	Rerouting time.Time
	// Exited is when the old server had exited.
	Exited time.Time
}

// StartReplacement starts an extension API server with the cluster's flags
// and extraArgs on another port and returns at once, so that callers can
// watch it from its first moments; WaitReady tells when it is ready.
func (c *Cluster) StartReplacement(ctx context.Context, extraArgs ...string) (*Replacement, error) {
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	args, err := c.extensionAPIServerArgs(ctx, c.ServingDir(), port, extraArgs)
	if err != nil {
		return nil, err
	}
	// Both write logs/extension-apiserver.log until the old one exits: it
	// keeps writing to its file under the kept name.
	if err := c.keepLog(ServiceName); err != nil {
		return nil, err
	}
	pid, err := startDetached(c.Dir, ServiceName, filepath.Join(c.BinDir, "extension-apiserver"), args...)
	if err != nil {
		return nil, err
	}
	return &Replacement{URL: fmt.Sprintf("https://127.0.0.1:%d", port), PID: pid, port: port}, nil
}

// HandOver replaces the running extension API server with r as a rolling
// update does: the old server gets SIGTERM, and routingLag later the
// aggregator is pointed at r, as kube-proxy and the endpoint controllers
// stop routing to a terminating pod a moment after the kubelet signals it.
// It returns when the old server has exited (SIGKILL after a minute).
func (c *Cluster) HandOver(ctx context.Context, r *Replacement, routingLag time.Duration) (Handover, error) {
	var h Handover
	old, err := oldServer(c.Dir, r.PID)
	if err != nil {
		return h, err
	}
	h.Terminated = time.Now()
	if err := syscall.Kill(old, syscall.SIGTERM); err != nil {
		return h, fmt.Errorf("terminating the old extension API server: %w", err)
	}
	select {
	case <-time.After(routingLag):
	case <-ctx.Done():
		return h, ctx.Err()
	}
	h.Rerouting = time.Now()
	if err := c.routeTo(ctx, r.port); err != nil {
		return h, err
	}
	c.ExtensionAPIServerURL, c.extensionAPIServerPort = r.URL, r.port
	// It has had SIGTERM already (a second one makes k8s.io/apiserver exit at once).
	if !WaitExited(old, time.Minute) {
		if err := killProcess(old); err != nil {
			return h, err
		}
	}
	h.Exited = time.Now()
	return h, nil
}

// oldServer is the running extension API server that is not the
// replacement.
func oldServer(dir string, replacement int) (int, error) {
	pids, err := pidsOf(dir, ServiceName)
	if err != nil {
		return 0, err
	}
	for _, pid := range slices.Backward(pids) {
		if pid != replacement && alive(pid) {
			return pid, nil
		}
	}
	return 0, fmt.Errorf("no running extension API server besides the replacement (pid %d)", replacement)
}

// routeTo points every APIService at port, at once, as the endpoints of a
// Service change together. The Service, an ExternalName to localhost, is
// left alone: kube-apiserver resolves an ExternalName Service without its
// ports.
func (c *Cluster) routeTo(ctx context.Context, port int) error {
	config, err := clientcmd.BuildConfigFromFlags("", c.AdminKubeconfig())
	if err != nil {
		return err
	}
	client, err := dynamic.NewForConfig(config)
	if err != nil {
		return err
	}
	apiServices := client.Resource(schema.GroupVersionResource{Group: "apiregistration.k8s.io", Version: "v1", Resource: "apiservices"})
	var g errgroup.Group
	for _, name := range APIServices {
		g.Go(func() error {
			patch := fmt.Sprintf(`{"spec":{"service":{"port":%d}}}`, port)
			_, err := apiServices.Patch(ctx, name, types.MergePatchType, []byte(patch), metav1.PatchOptions{})
			return err
		})
	}
	return g.Wait()
}

// keepLog renames logs/<name>.log to the first free logs/<name>.log.<n>.
func (c *Cluster) keepLog(name string) error {
	logs := filepath.Join(c.Dir, "logs", name+".log")
	for n := 1; ; n++ {
		if _, err := os.Stat(fmt.Sprintf("%s.%d", logs, n)); os.IsNotExist(err) {
			return os.Rename(logs, fmt.Sprintf("%s.%d", logs, n))
		}
	}
}
