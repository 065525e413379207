package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Ops are the operations in report order.
var Ops = []string{"create", "get", "list", "update", "delete", "watch"}

func find(results []Result, scenario, op string) (Result, bool) {
	for _, r := range results {
		if r.Scenario == scenario && r.Op == op {
			return r, true
		}
	}
	return Result{}, false
}

func ratio(results []Result, scenario, base, op string) string {
	r, ok1 := find(results, scenario, op)
	b, ok2 := find(results, base, op)
	if !ok1 || !ok2 || b.OpsPerS == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f", r.OpsPerS/b.OpsPerS)
}

// WriteMarkdown prints throughput with ratios against raw etcd and the CRD,
// then latency, errors, CPU and memory: medians over the report's runs.
func WriteMarkdown(w io.Writer, scenarios []string, rep Report) {
	o, results := rep.Options, rep.Results
	fmt.Fprintf(w, "\n%d objects of ~0.5 KB, %d workers, %d lists, watch: %d watchers x %d writes; median of %d runs, back to back\n\n",
		o.Objects, o.Workers, o.Lists, o.Watchers, o.WatchWrites, len(rep.PerRun))
	fmt.Fprintln(w, "Throughput, ops/s (share of raw etcd / of the CRD):")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| scenario | create | get | list | update | delete |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|")
	for _, sc := range scenarios {
		cells := []string{sc}
		for _, op := range Ops[:5] {
			r, ok := find(results, sc, op)
			if !ok {
				cells = append(cells, "–")
				continue
			}
			cells = append(cells, fmt.Sprintf("%.0f (%s / %s)", r.OpsPerS, ratio(results, sc, "raw-etcd", op), ratio(results, sc, "crd", op)))
		}
		fmt.Fprintf(w, "| %s |\n", strings.Join(cells, " | "))
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Latency p50/p99 ms, errors, CPU seconds per 1000 ops of the server (lowest–highest run), the load generator and etcd; RSS growth per 10,000 objects (MiB, on create, first run):")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| scenario | op | p50 | p99 | errors | server CPU | client CPU | etcd CPU | RSS MiB/10k |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|")
	for _, sc := range scenarios {
		for _, op := range Ops {
			r, ok := find(results, sc, op)
			if !ok {
				continue
			}
			rss := ""
			if op == "create" {
				rss = fmt.Sprintf("%.1f", r.RSSGrowthMiBPer10k)
			}
			server := fmt.Sprintf("%.2f", r.CPUSecondsPer1000)
			if len(r.CPURange) == 2 {
				server += fmt.Sprintf(" (%.2f–%.2f)", r.CPURange[0], r.CPURange[1])
			}
			fmt.Fprintf(w, "| %s | %s | %.2f | %.2f | %d | %s | %.2f | %.2f | %s |\n", sc, op, r.P50Ms, r.P99Ms, r.Errors,
				server, r.ClientCPUSecondsPer1000, r.EtcdCPUSecondsPer1000, rss)
		}
	}
	writeCPURatios(w, rep)
	writeWire(w, rep.Results)
}

// writeWire prints what reached this server, from its metrics: directly
// from the load generator, and from kube-apiserver's aggregator.
func writeWire(w io.Writer, results []Result) {
	fmt.Fprintln(w)
	fmt.Fprintln(w, "What reached this server (its metrics, medians): connections accepted (each a TLS handshake) per 1000 operations, share of requests over HTTP/2, bytes per get answer:")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| scenario | op | connections / 1000 ops | HTTP/2 share | bytes per get |")
	fmt.Fprintln(w, "|---|---|---|---|---|")
	for _, r := range results {
		if r.Wire == nil || r.Op == "list" {
			continue
		}
		bytes := "–"
		if r.Op == "get" {
			bytes = fmt.Sprintf("%.0f", r.Wire.BytesPerGet)
		}
		fmt.Fprintf(w, "| %s | %s | %.2f | %.2f | %s |\n", r.Scenario, r.Op, r.Wire.ConnectionsPer1000, r.Wire.HTTP2Share, bytes)
	}
}

// writeCPURatios prints, per create, get and update, this server's CPU
// against kube-apiserver's for the CRD, and the whole aggregated path's
// (kube-apiserver, this server and etcd) against the CRD's (kube-apiserver
// and etcd), with the path's throughput: what a user pays per request
// either way. Then where the aggregated path's CPU goes.
func writeCPURatios(w io.Writer, rep Report) {
	fmt.Fprintln(w)
	fmt.Fprintf(w, "CPU per operation as a share of the CRD's, median of %d runs (lowest–highest run); targets: aggregated path CPU ≤ 1.3 for get, ≤ 1.0 for create and update, aggregated get throughput ≥ 0.8:\n", len(rep.PerRun))
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| op | ours-direct server / crd server | ours-direct-protobuf server / crd server | ours-aggregated path / crd path | ours-aggregated throughput / crd |")
	fmt.Fprintln(w, "|---|---|---|---|---|")
	for _, op := range []string{"create", "get", "update"} {
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s |\n", op, rep.Ratio(op+"/ours-direct-cpu"), rep.Ratio(op+"/ours-direct-protobuf-cpu"),
			rep.Ratio(op+"/aggregated-path-cpu"), rep.Ratio(op+"/aggregated-throughput"))
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Where the CPU of one operation goes, ms (medians): the aggregated path against the CRD's:")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| op | kube-apiserver proxying | this server behind it | etcd | path | kube-apiserver serving the CRD | etcd | path | this server direct |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|")
	for _, op := range []string{"create", "get", "update"} {
		agg, ok1 := find(rep.Results, "ours-aggregated", op)
		crd, ok2 := find(rep.Results, "crd", op)
		if !ok1 || !ok2 {
			continue
		}
		direct := "–"
		if r, ok := find(rep.Results, "ours-direct", op); ok {
			direct = fmt.Sprintf("%.2f", r.CPUSecondsPer1000)
		}
		fmt.Fprintf(w, "| %s | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %s |\n", op,
			agg.CPUSecondsPer1000-agg.BackendCPUSecondsPer1000, agg.BackendCPUSecondsPer1000, agg.EtcdCPUSecondsPer1000,
			agg.CPUSecondsPer1000+agg.EtcdCPUSecondsPer1000, crd.CPUSecondsPer1000, crd.EtcdCPUSecondsPer1000,
			crd.CPUSecondsPer1000+crd.EtcdCPUSecondsPer1000, direct)
	}
}

// WriteJSON writes the results to path.
func WriteJSON(path string, results any) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	data, err := json.MarshalIndent(results, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(data, '\n'), 0o644)
}

// WriteSVG draws the throughput of each scenario as a share of raw etcd,
// one group of bars per operation.
func WriteSVG(path string, scenarios []string, results []Result) error {
	const width, height, left, bottom, top = 1000, 360, 50, 40, 30
	ops := Ops[:5]
	maxRatio := 1.0
	for _, sc := range scenarios {
		for _, op := range ops {
			r, ok1 := find(results, sc, op)
			b, ok2 := find(results, "raw-etcd", op)
			if ok1 && ok2 && b.OpsPerS > 0 && r.OpsPerS/b.OpsPerS > maxRatio {
				maxRatio = r.OpsPerS / b.OpsPerS
			}
		}
	}
	colors := []string{"#888888", "#1f77b4", "#17becf", "#9467bd", "#2ca02c", "#ff7f0e", "#d62728"}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">`+"\n", width, height)
	fmt.Fprintf(&b, `<text x="%d" y="18" font-size="14">Throughput as a share of raw etcd (higher is better)</text>`+"\n", left)
	plotH := float64(height - bottom - top)
	for _, tick := range []float64{0, 0.25, 0.5, 0.75, 1} {
		v := tick * maxRatio
		y := float64(height-bottom) - tick*plotH
		fmt.Fprintf(&b, `<line x1="%d" y1="%.0f" x2="%d" y2="%.0f" stroke="#ddd"/><text x="5" y="%.0f">%.2f</text>`+"\n", left, y, width-10, y, y+4, v)
	}
	groupW := float64(width-left-10) / float64(len(ops))
	barW := (groupW - 20) / float64(len(scenarios))
	for gi, op := range ops {
		x0 := float64(left) + float64(gi)*groupW + 10
		fmt.Fprintf(&b, `<text x="%.0f" y="%d">%s</text>`+"\n", x0+groupW/2-25, height-bottom+15, op)
		base, okBase := find(results, "raw-etcd", op)
		for si, sc := range scenarios {
			r, ok := find(results, sc, op)
			if !ok || !okBase || base.OpsPerS == 0 {
				continue
			}
			h := r.OpsPerS / base.OpsPerS / maxRatio * plotH
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s %s: %.2f</title></rect>`+"\n",
				x0+float64(si)*barW, float64(height-bottom)-h, barW-2, h, colors[si%len(colors)], sc, op, r.OpsPerS/base.OpsPerS)
		}
	}
	for si, sc := range scenarios {
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="10" height="10" fill="%s"/><text x="%d" y="%d">%s</text>`+"\n",
			left+si*135, height-12, colors[si%len(colors)], left+si*135+14, height-3, sc)
	}
	b.WriteString("</svg>\n")
	return os.WriteFile(path, []byte(b.String()), 0o644)
}
