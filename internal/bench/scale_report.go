package bench

import (
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"
)

// ScaleMetrics are the metrics of a scale run, in report order.
var ScaleMetrics = []string{
	"memory_growth_mib", "live_heap_mib", "live_heap_growth_mib", "live_heap_bytes_per_object",
	"full_list_s", "full_list_server_cpu_s", "full_list_from_watch_cache", "paginated_list_s", "page_p99_ms", "informer_sync_s",
	"restart_ready_s", "restart_first_list_s", "restarted_memory_growth_mib", "restarted_live_heap_growth_mib",
	"create_ops_per_s_first", "create_ops_per_s_last",
	"create_server_cpu_ms", "create_etcd_cpu_ms", "etcd_bytes_per_object",
}

// GrowthMetrics are taken at every tenth of each growth step, not only at
// the sizes: creates per second over that tenth, and the server's resident
// memory at its end (no forced collection).
var GrowthMetrics = []string{"create_ops_per_s", "resident_mib"}

// EtcdScaleMetrics are the shared etcd's, at each size once every server
// grew: its database size and the part in use, the size after a compaction
// and a defragmentation, how long the defragmentation took, its resident
// memory.
var EtcdScaleMetrics = []string{"etcd_db_mib", "etcd_db_in_use_mib", "etcd_db_defragmented_mib", "etcd_defrag_s", "etcd_resident_mib"}

// ScaleScenarios are the scenarios of a scale run, in report order.
var ScaleScenarios = []string{"ours", "ours-protobuf", "crd", "sample-apiserver"}

// stoppedMetrics say where a server stopped and why.
var stoppedMetrics = []string{"stopped_" + stoppedMemoryCap, "stopped_" + stoppedTimeCap}

func scaleValue(points []ScalePoint, scenario string, objects int, metric string) (float64, bool) {
	for _, p := range points {
		if p.Scenario == scenario && p.Objects == objects && p.Metric == metric {
			return p.Value, true
		}
	}
	return 0, false
}

// scaleTarget is one of the targets: figure computes it from the figures
// at one size, met says whether it reaches the target. Targets against the
// CRD are taken at the largest size the CRD reached; the others at the
// largest size.
type scaleTarget struct {
	name, want string
	againstCRD bool
	figure     func(get func(scenario, metric string) float64) (float64, bool)
}

var scaleTargets = []scaleTarget{
	{"resident memory growth, ours / crd", "≤ 0.25", true, func(get func(string, string) float64) (float64, bool) {
		r := get("ours", "memory_growth_mib") / get("crd", "memory_growth_mib")
		return r, r <= 0.25
	}},
	{"live heap growth, ours / crd", "≤ 0.33", true, func(get func(string, string) float64) (float64, bool) {
		r := get("ours", "live_heap_growth_mib") / get("crd", "live_heap_growth_mib")
		return r, r <= 1.0/3
	}},
	{"full list speed-up, protobuf client (crd / ours-protobuf)", "≥ 8", true, func(get func(string, string) float64) (float64, bool) {
		r := get("crd", "full_list_s") / get("ours-protobuf", "full_list_s")
		return r, r >= 8
	}},
	{"full list speed-up, JSON client (crd / ours)", "≥ 4", true, func(get func(string, string) float64) (float64, bool) {
		r := get("crd", "full_list_s") / get("ours", "full_list_s")
		return r, r >= 4
	}},
	{"server CPU per full list, JSON (crd / ours)", "(reported)", true, func(get func(string, string) float64) (float64, bool) {
		r := get("crd", "full_list_server_cpu_s") / get("ours", "full_list_server_cpu_s")
		return r, true
	}},
	{"informer sync speed-up, protobuf (crd / ours-protobuf)", "≥ 5", true, func(get func(string, string) float64) (float64, bool) {
		r := get("crd", "informer_sync_s") / get("ours-protobuf", "informer_sync_s")
		return r, r >= 5
	}},
	{"restart to ready, ours / crd", "≤ 0.5", true, func(get func(string, string) float64) (float64, bool) {
		r := get("ours", "restart_ready_s") / get("crd", "restart_ready_s")
		return r, r <= 0.5
	}},
	{"resident memory growth, ours (MiB)", "≤ 6144", false, func(get func(string, string) float64) (float64, bool) {
		v := get("ours", "memory_growth_mib")
		return v, v <= 6144
	}},
	{"live heap per object, ours (bytes)", "≤ 2000", false, func(get func(string, string) float64) (float64, bool) {
		v := get("ours", "live_heap_bytes_per_object")
		return v, v <= 2000
	}},
	{"informer sync, protobuf (s)", "≤ 30", false, func(get func(string, string) float64) (float64, bool) {
		v := get("ours-protobuf", "informer_sync_s")
		return v, v <= 30
	}},
	{"full list, protobuf (s)", "≤ 15", false, func(get func(string, string) float64) (float64, bool) {
		v := get("ours-protobuf", "full_list_s")
		return v, v <= 15
	}},
	{"restart to ready, ours (s)", "≤ 10", false, func(get func(string, string) float64) (float64, bool) {
		v := get("ours", "restart_ready_s")
		return v, v <= 10
	}},
	{"page of 500 at p99, ours, JSON or protobuf (ms)", "≤ 100", false, func(get func(string, string) float64) (float64, bool) {
		v := max(get("ours", "page_p99_ms"), get("ours-protobuf", "page_p99_ms"))
		return v, v <= 100
	}},
	{"creates at the end / at the start, ours", "≥ 0.9", false, func(get func(string, string) float64) (float64, bool) {
		r := get("ours", "create_ops_per_s_last") / get("ours", "create_ops_per_s_first")
		return r, r >= 0.9
	}},
}

// WriteScaleMarkdown prints every metric by scenario and size, then the
// targets as ratios at the largest size.
func WriteScaleMarkdown(w io.Writer, points []ScalePoint, o ScaleOptions) {
	fmt.Fprintf(w, "\nScale: %s objects, %d workers, pages of %d\n\n", joinSizes(o.Sizes), o.Workers, o.PageSize)
	header := "| metric | scenario |"
	for _, size := range o.Sizes {
		header += fmt.Sprintf(" %d |", size)
	}
	fmt.Fprintln(w, header)
	fmt.Fprintln(w, "|---|---|"+strings.Repeat("---|", len(o.Sizes)))
	for _, metric := range ScaleMetrics {
		for _, scenario := range ScaleScenarios {
			row := fmt.Sprintf("| %s | %s |", metric, scenario)
			found := false
			for _, size := range o.Sizes {
				if v, ok := scaleValue(points, scenario, size, metric); ok {
					row += " " + formatFigure(v) + " |"
					found = true
				} else {
					row += " – |"
				}
			}
			if found {
				fmt.Fprintln(w, row)
			}
		}
	}
	fmt.Fprintln(w)
	for _, size := range o.Sizes {
		for _, metric := range EtcdScaleMetrics {
			if v, ok := scaleValue(points, "etcd", size, metric); ok {
				fmt.Fprintf(w, "| %s | etcd | %d | %s |\n", metric, size, formatFigure(v))
			}
		}
	}
	for _, p := range points {
		if slices.Contains(stoppedMetrics, p.Metric) {
			fmt.Fprintf(w, "\n%s stopped growing towards %d objects at %d: %s\n", p.Scenario, p.Objects, int(p.Value), strings.TrimPrefix(p.Metric, "stopped_"))
		}
	}
	largest, crdLargest := slices.Max(o.Sizes), 0
	for _, size := range o.Sizes {
		if _, ok := scaleValue(points, "crd", size, "memory_growth_mib"); ok {
			crdLargest = size
		}
	}
	fmt.Fprintf(w, "\nTargets in this run:\n\n| target | at | want | measured | met |\n|---|---|---|---|---|\n")
	for _, t := range scaleTargets {
		at := largest
		if t.againstCRD {
			at = crdLargest
		}
		get := func(scenario, metric string) float64 {
			v, _ := scaleValue(points, scenario, at, metric)
			return v
		}
		r, met := t.figure(get)
		verdict := map[bool]string{true: "yes", false: "no"}[met]
		if r <= 0 || math.IsNaN(r) || math.IsInf(r, 0) {
			verdict = "n/a (a figure is missing, zero or negative)"
		}
		fmt.Fprintf(w, "| %s | %d | %s | %.2f | %s |\n", t.name, at, t.want, r, verdict)
	}
}

func joinSizes(sizes []int) string {
	var s []string
	for _, size := range sizes {
		s = append(s, fmt.Sprint(size))
	}
	return strings.Join(s, ", ")
}

func formatFigure(v float64) string {
	switch {
	case v == math.Trunc(v) && math.Abs(v) < 1e7:
		return fmt.Sprintf("%.0f", v)
	case math.Abs(v) >= 100:
		return fmt.Sprintf("%.0f", v)
	case math.Abs(v) >= 1:
		return fmt.Sprintf("%.2f", v)
	default:
		return fmt.Sprintf("%.3f", v)
	}
}

// WriteScaleSVG draws one panel per metric: the value against the object
// count, both on log scales, a line per scenario.
func WriteScaleSVG(path string, points []ScalePoint, sizes []int) error {
	const panelW, panelH, cols, pad = 320, 200, 3, 40
	var metrics []string
	for _, m := range ScaleMetrics {
		if m != "full_list_from_watch_cache" {
			metrics = append(metrics, m)
		}
	}
	metrics = append(append(metrics, GrowthMetrics...), EtcdScaleMetrics...)
	rows := (len(metrics) + cols - 1) / cols
	width, height := cols*panelW, rows*panelH+40
	colors := map[string]string{"ours": "#1f77b4", "ours-protobuf": "#17becf", "crd": "#d62728", "sample-apiserver": "#ff7f0e", "etcd": "#7f7f7f"}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="11">`+"\n", width, height)
	// Growth metrics are taken between the sizes too.
	smallest := slices.Min(sizes)
	for _, p := range points {
		if p.Objects > 0 {
			smallest = min(smallest, p.Objects)
		}
	}
	minSize, maxSize := math.Log10(float64(smallest)), math.Log10(float64(slices.Max(sizes)))
	if maxSize == minSize {
		maxSize = minSize + 1
	}
	for i, metric := range metrics {
		x0, y0 := float64(i%cols*panelW), float64(i/cols*panelH)
		plotX, plotY, plotW, plotH := x0+pad+10, y0+25, float64(panelW-pad-30), float64(panelH-pad-30)
		fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" font-size="12">%s (log)</text>`+"\n", plotX, y0+15, metric)
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, p := range points {
			if p.Metric == metric && p.Value > 0 {
				lo, hi = math.Min(lo, math.Log10(p.Value)), math.Max(hi, math.Log10(p.Value))
			}
		}
		if math.IsInf(lo, 0) {
			continue
		}
		if hi-lo < 0.3 {
			lo, hi = lo-0.15, hi+0.15
		}
		fmt.Fprintf(&b, `<rect x="%.0f" y="%.0f" width="%.0f" height="%.0f" fill="none" stroke="#ccc"/>`+"\n", plotX, plotY, plotW, plotH)
		fmt.Fprintf(&b, `<text x="%.0f" y="%.0f">%s</text><text x="%.0f" y="%.0f">%s</text>`+"\n",
			x0+2, plotY+8, formatFigure(math.Pow(10, hi)), x0+2, plotY+plotH, formatFigure(math.Pow(10, lo)))
		for _, size := range sizes {
			x := plotX + (math.Log10(float64(size))-minSize)/(maxSize-minSize)*plotW
			fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" text-anchor="middle">%d</text>`+"\n", x, plotY+plotH+12, size)
		}
		for _, scenario := range append(slices.Clone(ScaleScenarios), "etcd") {
			var series []ScalePoint
			for _, p := range points {
				if p.Scenario == scenario && p.Metric == metric && p.Value > 0 {
					series = append(series, p)
				}
			}
			slices.SortFunc(series, func(a, b ScalePoint) int { return a.Objects - b.Objects })
			var line []string
			for _, p := range series {
				x := plotX + (math.Log10(float64(p.Objects))-minSize)/(maxSize-minSize)*plotW
				y := plotY + plotH - (math.Log10(p.Value)-lo)/(hi-lo)*plotH
				line = append(line, fmt.Sprintf("%.1f,%.1f", x, y))
				fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="2.5" fill="%s"><title>%s %d: %s</title></circle>`+"\n", x, y, colors[scenario], scenario, p.Objects, formatFigure(p.Value))
			}
			if len(line) > 1 {
				fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="1.5"/>`+"\n", strings.Join(line, " "), colors[scenario])
			}
		}
	}
	for i, scenario := range append(slices.Clone(ScaleScenarios), "etcd") {
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="10" height="10" fill="%s"/><text x="%d" y="%d">%s</text>`+"\n",
			10+i*150, height-22, colors[scenario], 24+i*150, height-13, scenario)
	}
	b.WriteString("</svg>\n")
	return os.WriteFile(path, []byte(b.String()), 0o644)
}
