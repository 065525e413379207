package e2e

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/example/extension-apiserver/internal/conformance"
	wardlev1beta1 "github.com/example/extension-apiserver/pkg/apis/wardle/v1beta1"
	"github.com/example/extension-apiserver/test/integration/framework"
)

// TestConformanceWithACRD sends the same requests to this server's CronTabs
// and to a CRD of the same shape on kube-apiserver, and compares the
// answers: status codes, error reasons and field causes, objects, tables,
// metadata, watch events, discovery and OpenAPI. A difference not listed in
// conformance.IntendedDifferences fails. This server is reached through the
// aggregator, then as a standalone server with its own embedded etcd.
func TestConformanceWithACRD(t *testing.T) {
	c := ownCluster(t)
	config, err := clientcmd.BuildConfigFromFlags("", c.AdminKubeconfig())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cleanup, err := conformance.PrepareCluster(ctx, config)
	if cleanup != nil {
		// The other tests name this server's CronTabs fully qualified: while
		// the CRD exists, "crontab" and "ct" alone are ambiguous.
		t.Cleanup(func() {
			if err := cleanup(context.Background()); err != nil {
				t.Errorf("cleaning up: %v", err)
			}
		})
	}
	if err != nil {
		t.Fatal(err)
	}
	check := func(t *testing.T, mode conformance.Mode, results []conformance.Result, err error) {
		if err != nil {
			t.Fatal(err)
		}
		differences := 0
		for _, r := range results {
			switch {
			case r.Unintended():
				differences++
				t.Errorf("%s %s: this server differs from the CRD (-crd +ours):\n%s", r.Step.Method, r.Step.Name, r.Diff)
			case r.Intended != nil:
				t.Logf("%s: intended difference (%s)", r.Step.Name, r.Intended.Reason)
			}
		}
		t.Logf("%s: %d requests, %d unintended differences", mode, len(results), differences)
	}
	t.Run("aggregated", func(t *testing.T) {
		results, err := conformance.Run(ctx, config, config, conformance.Aggregated, "conformance-aggregated")
		check(t, conformance.Aggregated, results, err)
	})
	t.Run("standalone", func(t *testing.T) {
		// A new etcd's history starts at resourceVersion 1, which a watch
		// cache filled from it can still serve: write a little and restart,
		// so that "an expired resourceVersion" is expired, as on any server
		// that has run for a while.
		dir := t.TempDir()
		server := framework.StartServer(t, framework.ServerConfig{LocalDir: dir})
		for i := range 3 {
			if _, err := server.Clientset(t).WardleV1beta1().Fischers().Create(ctx, &wardlev1beta1.Fischer{
				ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprint("history-", i)}}, metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		server.Stop()
		server = framework.StartServer(t, framework.ServerConfig{LocalDir: dir})
		results, err := conformance.Run(ctx, config, server.Config, conformance.Standalone, "conformance-standalone")
		check(t, conformance.Standalone, results, err)
	})
	// What users run against their deployment: make conformance KUBECONFIG=...
	t.Run("command", func(t *testing.T) {
		root, _ := filepath.Abs("../..")
		binary := filepath.Join(t.TempDir(), "conformance")
		build := exec.Command("go", "build", "-o", binary, "./internal/cmd/conformance")
		build.Dir = root
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("building internal/cmd/conformance: %v\n%s", err, out)
		}
		out, err := exec.Command(binary, "--kubeconfig", c.AdminKubeconfig(), "--namespace", "conformance-command").CombinedOutput()
		if err != nil {
			t.Fatalf("internal/cmd/conformance: %v\n%s", err, out)
		}
		intended := 0
		for _, d := range conformance.IntendedDifferences {
			if slices.Contains(d.Modes, conformance.Aggregated) {
				intended++
			}
		}
		summary := fmt.Sprintf("%d requests: %d answered the same, %d intended differences, 0 unintended differences",
			len(conformance.Script), len(conformance.Script)-intended, intended)
		if !strings.Contains(string(out), summary) {
			t.Errorf("internal/cmd/conformance printed\n%s\nwant the summary %q", out, summary)
		}
	})
}
