// Package bench runs the benchmark harness with a few objects, so that
// make test keeps it working without making CI slow. make bench runs it
// for real.
package bench

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/example/extension-apiserver/internal/bench"
)

func TestBenchmarkHarnessSmoke(t *testing.T) {
	root, binDir := harness(t)
	out := t.TempDir()
	cmd := exec.Command(filepath.Join(binDir, "apiserver-bench"), "-bin-dir", binDir, "-out", out,
		"-objects", "20", "-workers", "4", "-lists", "2", "-watchers", "2", "-watch-writes", "3", "-runs", "2")
	cmd.Dir = root
	output, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("apiserver-bench: %v\n%s", err, output)
	}
	data, err := os.ReadFile(filepath.Join(out, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	var report bench.Report
	if err := json.Unmarshal(data, &report); err != nil {
		t.Fatal(err)
	}
	if len(report.PerRun) != 2 {
		t.Fatalf("%d runs reported, want 2", len(report.PerRun))
	}
	seen := map[string]int{}
	var backend, path float64
	for _, r := range report.Results {
		seen[r.Scenario]++
		if r.Errors != 0 || r.OpsPerS <= 0 {
			t.Errorf("%s %s: %d errors, %.0f ops/s", r.Scenario, r.Op, r.Errors, r.OpsPerS)
		}
		if r.Runs != 2 || len(r.OpsPerSRange) != 2 || r.OpsPerSRange[0] > r.OpsPerS || r.OpsPerS > r.OpsPerSRange[1] {
			t.Errorf("%s %s: median %.0f ops/s of %d runs, range %v", r.Scenario, r.Op, r.OpsPerS, r.Runs, r.OpsPerSRange)
		}
		if (r.Scenario == "ours-aggregated" || r.Scenario == "ours-direct") && r.Op == "get" {
			// The aggregator and client-go both speak HTTP/2 to this server.
			if r.Wire == nil || r.Wire.HTTP2Share != 1 || r.Wire.BytesPerGet < 500 {
				t.Errorf("%s get: what reached this server: %+v, want HTTP/2 only and answers of an object's size", r.Scenario, r.Wire)
			}
		}
		if r.Scenario == "ours-aggregated" {
			backend += r.BackendCPUSecondsPer1000
			path += r.CPUSecondsPer1000
		}
	}
	// CPU is counted in ticks of 10 ms, so a single phase of 20 objects may
	// show none; over the phases this server's part must show, and be a part.
	if backend <= 0 || backend >= path {
		t.Errorf("ours-aggregated: this server's CPU %.3f s per 1000 ops is not a part of the path's %.3f", backend, path)
	}
	for _, scenario := range []string{"raw-etcd", "ours-direct", "ours-direct-protobuf", "ours-direct-cbor", "ours-aggregated", "crd", "sample-apiserver"} {
		if seen[scenario] != len(bench.Ops) {
			t.Errorf("%s has %d results, want one per operation (%d)", scenario, seen[scenario], len(bench.Ops))
		}
	}
	for _, name := range []string{"get/aggregated-path-cpu", "get/aggregated-throughput", "create/ours-direct-cpu"} {
		if r := report.Ratio(name); r.Runs != 2 || r.Median <= 0 || r.Min > r.Median || r.Median > r.Max {
			t.Errorf("ratio %s: %+v, want a median of 2 runs", name, r)
		}
	}
	if !strings.Contains(string(output), "kube-apiserver proxying") {
		t.Errorf("no breakdown of the aggregated path in the output:\n%s", output)
	}
	if _, err := os.Stat(filepath.Join(out, "ratios.svg")); err != nil {
		t.Errorf("no chart: %v", err)
	}
}

// harness links the cached tools and builds this tree's server and the
// benchmark into a fresh directory.
func harness(t *testing.T) (root, binDir string) {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	binDir = t.TempDir()
	for _, name := range []string{"etcd", "kube-apiserver", "sample-apiserver"} {
		if _, err := os.Stat(filepath.Join(root, "_output", "bin", name)); err != nil {
			t.Fatalf("%s is missing: run make tools (%v)", name, err)
		}
		if err := os.Symlink(filepath.Join(root, "_output", "bin", name), filepath.Join(binDir, name)); err != nil {
			t.Fatal(err)
		}
	}
	for name, pkg := range map[string]string{"extension-apiserver": "./cmd/extension-apiserver", "apiserver-bench": "./internal/cmd/apiserver-bench"} {
		build := exec.Command("go", "build", "-o", filepath.Join(binDir, name), pkg)
		build.Dir = root
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("building %s: %v\n%s", name, err, out)
		}
	}
	return root, binDir
}

// TestScaleHarnessSmoke runs make bench-scale's harness at a few hundred
// objects: every scenario reports every metric at every size, and etcd its
// space; sample-apiserver, the only one the time cap applies to, stops at
// its first check and leaves the run.
func TestScaleHarnessSmoke(t *testing.T) {
	root, binDir := harness(t)
	out := t.TempDir()
	cmd := exec.Command(filepath.Join(binDir, "apiserver-bench"), "-bin-dir", binDir, "-out", out, "-scale", "-sizes", "100,300", "-workers", "4",
		"-time-cap", "1ns", "-uncapped", "ours,ours-protobuf,crd")
	cmd.Dir = root
	if output, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("apiserver-bench -scale: %v\n%s", err, output)
	}
	data, err := os.ReadFile(filepath.Join(out, "scale.json"))
	if err != nil {
		t.Fatal(err)
	}
	var points []bench.ScalePoint
	if err := json.Unmarshal(data, &points); err != nil {
		t.Fatal(err)
	}
	serverSide := map[string]bool{"ours": true, "crd": true, "sample-apiserver": true}
	clientSide := []string{"full_list_s", "full_list_server_cpu_s", "full_list_from_watch_cache", "paginated_list_s", "page_p99_ms", "informer_sync_s"}
	stopped := 0
	for _, p := range points {
		if p.Scenario == "sample-apiserver" && p.Metric == "stopped_time_cap" && p.Objects == 100 && p.Value > 0 && p.Value < 100 {
			stopped++
		} else if p.Scenario == "sample-apiserver" && strings.HasPrefix(p.Metric, "stopped_") || p.Scenario == "sample-apiserver" && p.Objects == 300 {
			t.Errorf("sample-apiserver went on after the time cap: %+v", p)
		}
	}
	if stopped != 1 {
		t.Errorf("sample-apiserver: want one stop at the time cap before 100 objects, got %d", stopped)
	}
	for _, size := range []int{100, 300} {
		for _, metric := range bench.EtcdScaleMetrics {
			if !slices.ContainsFunc(points, func(p bench.ScalePoint) bool {
				return p.Scenario == "etcd" && p.Objects == size && p.Metric == metric && p.Value > 0
			}) {
				t.Errorf("etcd at %d objects: no %s", size, metric)
			}
		}
	}
	if rates := slices.DeleteFunc(slices.Clone(points), func(p bench.ScalePoint) bool {
		return p.Scenario != "ours" || p.Metric != "create_ops_per_s" || p.Value <= 0
	}); len(rates) != 20 {
		t.Errorf("ours: want creates per second at each of 20 tenths, got %d", len(rates))
	}
	for _, scenario := range bench.ScaleScenarios {
		if scenario == "sample-apiserver" {
			continue
		}
		for _, size := range []int{100, 300} {
			for _, metric := range bench.ScaleMetrics {
				if !serverSide[scenario] && !slices.Contains(clientSide, metric) {
					continue
				}
				found := false
				for _, p := range points {
					if p.Scenario == scenario && p.Objects == size && p.Metric == metric {
						found = true
						if metric != "full_list_from_watch_cache" && !strings.Contains(metric, "cpu") && !strings.Contains(metric, "growth") && metric != "live_heap_bytes_per_object" && p.Value <= 0 {
							t.Errorf("%s at %d objects: %s = %v", scenario, size, metric, p.Value)
						}
					}
				}
				if !found {
					t.Errorf("%s at %d objects: no %s", scenario, size, metric)
				}
			}
		}
	}
	if _, err := os.Stat(filepath.Join(out, "scale.svg")); err != nil {
		t.Errorf("no chart: %v", err)
	}
}

// TestOverloadHarnessSmoke is the short form of make bench-overload: the
// storms against this server and the CRD, small, every figure reported,
// and what must hold under any load held: no 5xx, no probe failures, no
// acknowledged write lost, no restart.
func TestOverloadHarnessSmoke(t *testing.T) {
	root, binDir := harness(t)
	out := t.TempDir()
	cmd := exec.Command(filepath.Join(binDir, "apiserver-bench"), "-bin-dir", binDir, "-out", out, "-overload",
		"-objects", "200", "-workers", "4", "-informers", "5", "-listers", "5", "-flood-in-flight", "50", "-flood-for", "3s")
	cmd.Dir = root
	if output, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("apiserver-bench -overload: %v\n%s", err, output)
	}
	data, err := os.ReadFile(filepath.Join(out, "overload.json"))
	if err != nil {
		t.Fatal(err)
	}
	var points []bench.ScalePoint
	if err := json.Unmarshal(data, &points); err != nil {
		t.Fatal(err)
	}
	values := map[string]float64{}
	for _, p := range points {
		values[p.Scenario+" "+p.Metric] = p.Value
	}
	for _, scenario := range []string{"ours", "crd"} {
		for _, metric := range bench.OverloadMetrics {
			v, ok := values[scenario+" "+metric]
			switch {
			case !ok:
				t.Errorf("%s: no %s", scenario, metric)
			case (metric == "flood_5xx" || metric == "flood_acknowledged_lost" || metric == "restarts" || strings.HasSuffix(metric, "_probe_failures")) && v != 0:
				t.Errorf("%s: %s = %v, want 0", scenario, metric, v)
			case (metric == "informer_storm_all_synced_s" || metric == "flood_acknowledged_per_s" || metric == "idle_rss_mib") && v <= 0:
				t.Errorf("%s: %s = %v", scenario, metric, v)
			}
		}
	}
}
