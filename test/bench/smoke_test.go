// Package bench runs the benchmark harness with a few objects, so that
// make test keeps it working without making CI slow. make bench runs it
// for real.
package bench

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/example/extension-apiserver/pkg/bench"
)

func TestBenchmarkHarnessSmoke(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	binDir := t.TempDir()
	for _, name := range []string{"etcd", "kube-apiserver", "sample-apiserver"} {
		if _, err := os.Stat(filepath.Join(root, "_output", "bin", name)); err != nil {
			t.Fatalf("%s is missing: run make tools (%v)", name, err)
		}
		if err := os.Symlink(filepath.Join(root, "_output", "bin", name), filepath.Join(binDir, name)); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"extension-apiserver", "apiserver-bench"} {
		build := exec.Command("go", "build", "-o", filepath.Join(binDir, name), "./cmd/"+name)
		build.Dir = root
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("building %s: %v\n%s", name, err, out)
		}
	}
	out := t.TempDir()
	cmd := exec.Command(filepath.Join(binDir, "apiserver-bench"), "-bin-dir", binDir, "-out", out,
		"-objects", "20", "-workers", "4", "-lists", "2", "-watchers", "2", "-watch-writes", "3")
	cmd.Dir = root
	output, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("apiserver-bench: %v\n%s", err, output)
	}
	data, err := os.ReadFile(filepath.Join(out, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	var results []bench.Result
	if err := json.Unmarshal(data, &results); err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, r := range results {
		seen[r.Scenario]++
		if r.Errors != 0 || r.OpsPerS <= 0 {
			t.Errorf("%s %s: %d errors, %.0f ops/s", r.Scenario, r.Op, r.Errors, r.OpsPerS)
		}
	}
	for _, scenario := range []string{"raw-etcd", "ours-direct", "ours-direct-protobuf", "ours-direct-cbor", "ours-aggregated", "crd", "sample-apiserver"} {
		if seen[scenario] != len(bench.Ops) {
			t.Errorf("%s has %d results, want one per operation (%d)", scenario, seen[scenario], len(bench.Ops))
		}
	}
	if _, err := os.Stat(filepath.Join(out, "ratios.svg")); err != nil {
		t.Errorf("no chart: %v", err)
	}
}
