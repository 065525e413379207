package bench

import (
	"math"
	"testing"
)

func TestReportTakesMediansAndRatiosWithinRuns(t *testing.T) {
	run := func(aggOps, aggCPU, aggEtcd, crdOps, crdCPU, crdEtcd, rss float64) []Result {
		return []Result{
			{Scenario: "ours-aggregated", Op: "get", OpsPerS: aggOps, CPUSecondsPer1000: aggCPU, EtcdCPUSecondsPer1000: aggEtcd},
			{Scenario: "crd", Op: "get", OpsPerS: crdOps, CPUSecondsPer1000: crdCPU, EtcdCPUSecondsPer1000: crdEtcd, RSSGrowthMiBPer10k: rss},
		}
	}
	// The second run is slow for both servers: its ratio is still the
	// middle one, which medians of each figure apart would not give.
	rep := NewReport(Options{Runs: 3}, [][]Result{
		run(800, 1.5, 0.3, 1000, 1.0, 0.2, 240),
		run(400, 3.0, 0.6, 500, 2.0, 0.4, 10),
		run(900, 1.4, 0.2, 1000, 1.2, 0.2, 20),
	})
	near := func(got, want float64) bool { return math.Abs(got-want) < 1e-9 }

	path := rep.Ratio("get/aggregated-path-cpu")
	// Per run: 1.8/1.2 = 1.5, 3.6/2.4 = 1.5, 1.6/1.4 = 1.142857...
	if path.Runs != 3 || !near(path.Median, 1.5) || !near(path.Min, 1.6/1.4) || !near(path.Max, 1.5) {
		t.Errorf("get/aggregated-path-cpu = %+v, want median 1.5 of 3 runs, range 1.14-1.5", path)
	}
	throughput := rep.Ratio("get/aggregated-throughput")
	if !near(throughput.Median, 0.8) || !near(throughput.Min, 0.8) || !near(throughput.Max, 0.9) {
		t.Errorf("get/aggregated-throughput = %+v, want median 0.8, range 0.8-0.9", throughput)
	}
	if r := rep.Ratio("create/aggregated-path-cpu"); r.Runs != 0 || r.String() != "–" {
		t.Errorf("a ratio without figures = %+v (%s), want no runs", r, r)
	}

	crd, ok := find(rep.Results, "crd", "get")
	if !ok {
		t.Fatal("no median result for crd get")
	}
	if crd.OpsPerS != 1000 || crd.CPUSecondsPer1000 != 1.2 || crd.Runs != 3 {
		t.Errorf("crd get medians: %.0f ops/s, %.2f CPU, %d runs; want 1000, 1.2, 3", crd.OpsPerS, crd.CPUSecondsPer1000, crd.Runs)
	}
	if crd.OpsPerSRange[0] != 500 || crd.OpsPerSRange[1] != 1000 || crd.CPURange[0] != 1.0 || crd.CPURange[1] != 2.0 {
		t.Errorf("crd get ranges: ops/s %v, CPU %v; want [500 1000], [1 2]", crd.OpsPerSRange, crd.CPURange)
	}
	if crd.RSSGrowthMiBPer10k != 240 {
		t.Errorf("RSS growth %.0f, want the first run's 240: later runs refill a grown heap", crd.RSSGrowthMiBPer10k)
	}
}

func TestMedianOfAnEvenCount(t *testing.T) {
	if got := median([]float64{4, 1, 3, 2}); got != 2.5 {
		t.Errorf("median of 1..4 = %v, want 2.5", got)
	}
}

func TestWireLeavesOutTheScrapeThatTookIt(t *testing.T) {
	// 1,000 requests over HTTP/2 between the samples; each sample's scrape
	// went over HTTP/1.1 and counted itself.
	before := wireSample{connections: 3, http1: 5, http2: 100, getBytes: 0, gets: 0}
	after := wireSample{connections: 4, http1: 6, http2: 1100, getBytes: 1200 * 1000, gets: 1000}
	w := after.since(before, 1000)
	if w.ConnectionsPer1000 != 1 || w.HTTP2Share != 1 || w.BytesPerGet != 1200 {
		t.Errorf("wire = %+v, want 1 connection per 1000, all HTTP/2, 1200 bytes per get", *w)
	}
	after.scrapedOverHTTP2 = true
	after.http1, after.http2 = 5, 1101
	if w := after.since(before, 1000); w.HTTP2Share != 1 {
		t.Errorf("with an HTTP/2 scrape, HTTP/2 share = %v, want 1", w.HTTP2Share)
	}
}
