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
	"restart_ready_s", "restart_first_list_s", "create_ops_per_s_first", "create_ops_per_s_last", "etcd_bytes_per_object",
}

// ScaleScenarios are the scenarios of a scale run, in report order.
var ScaleScenarios = []string{"ours", "ours-protobuf", "crd", "sample-apiserver"}

func scaleValue(points []ScalePoint, scenario string, objects int, metric string) (float64, bool) {
	for _, p := range points {
		if p.Scenario == scenario && p.Objects == objects && p.Metric == metric {
			return p.Value, true
		}
	}
	return 0, false
}

// scaleTarget is one of the targets at the largest size: ratio is the
// figure, met says whether it reaches the target.
type scaleTarget struct {
	name, want string
	ratio      func(get func(scenario, metric string) float64) (float64, bool)
}

var scaleTargets = []scaleTarget{
	{"resident memory growth, ours / crd", "≤ 0.25", func(get func(string, string) float64) (float64, bool) {
		r := get("ours", "memory_growth_mib") / get("crd", "memory_growth_mib")
		return r, r <= 0.25
	}},
	{"live heap growth, ours / crd", "≤ 0.33", func(get func(string, string) float64) (float64, bool) {
		r := get("ours", "live_heap_growth_mib") / get("crd", "live_heap_growth_mib")
		return r, r <= 1.0/3
	}},
	{"full list speed-up, protobuf client (crd / ours-protobuf)", "≥ 8", func(get func(string, string) float64) (float64, bool) {
		r := get("crd", "full_list_s") / get("ours-protobuf", "full_list_s")
		return r, r >= 8
	}},
	{"full list speed-up, JSON client (crd / ours)", "≥ 4", func(get func(string, string) float64) (float64, bool) {
		r := get("crd", "full_list_s") / get("ours", "full_list_s")
		return r, r >= 4
	}},
	{"server CPU per full list, JSON (crd / ours)", "(reported)", func(get func(string, string) float64) (float64, bool) {
		r := get("crd", "full_list_server_cpu_s") / get("ours", "full_list_server_cpu_s")
		return r, true
	}},
	{"informer sync speed-up, protobuf (crd / ours-protobuf)", "≥ 5", func(get func(string, string) float64) (float64, bool) {
		r := get("crd", "informer_sync_s") / get("ours-protobuf", "informer_sync_s")
		return r, r >= 5
	}},
	{"restart to ready, ours / crd", "≤ 0.5", func(get func(string, string) float64) (float64, bool) {
		r := get("ours", "restart_ready_s") / get("crd", "restart_ready_s")
		return r, r <= 0.5
	}},
	{"creates at the end / at the start, ours", "≥ 0.9", func(get func(string, string) float64) (float64, bool) {
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
	largest := slices.Max(o.Sizes)
	fmt.Fprintf(w, "\nTargets at %d objects, as ratios in this run:\n\n| target | want | measured | met |\n|---|---|---|---|\n", largest)
	get := func(scenario, metric string) float64 {
		v, _ := scaleValue(points, scenario, largest, metric)
		return v
	}
	for _, t := range scaleTargets {
		r, met := t.ratio(get)
		verdict := map[bool]string{true: "yes", false: "no"}[met]
		if r <= 0 || math.IsNaN(r) || math.IsInf(r, 0) {
			verdict = "n/a (a figure is zero or negative: too few objects to measure)"
		}
		fmt.Fprintf(w, "| %s | %s | %.2f | %s |\n", t.name, t.want, r, verdict)
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
	rows := (len(metrics) + cols - 1) / cols
	width, height := cols*panelW, rows*panelH+40
	colors := map[string]string{"ours": "#1f77b4", "ours-protobuf": "#17becf", "crd": "#d62728", "sample-apiserver": "#ff7f0e"}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="11">`+"\n", width, height)
	minSize, maxSize := math.Log10(float64(slices.Min(sizes))), math.Log10(float64(slices.Max(sizes)))
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
		for _, scenario := range ScaleScenarios {
			var line []string
			for _, size := range sizes {
				v, ok := scaleValue(points, scenario, size, metric)
				if !ok || v <= 0 {
					continue
				}
				x := plotX + (math.Log10(float64(size))-minSize)/(maxSize-minSize)*plotW
				y := plotY + plotH - (math.Log10(v)-lo)/(hi-lo)*plotH
				line = append(line, fmt.Sprintf("%.1f,%.1f", x, y))
				fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="2.5" fill="%s"><title>%s %d: %s</title></circle>`+"\n", x, y, colors[scenario], scenario, size, formatFigure(v))
			}
			if len(line) > 1 {
				fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="1.5"/>`+"\n", strings.Join(line, " "), colors[scenario])
			}
		}
	}
	for i, scenario := range ScaleScenarios {
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="10" height="10" fill="%s"/><text x="%d" y="%d">%s</text>`+"\n",
			10+i*150, height-22, colors[scenario], 24+i*150, height-13, scenario)
	}
	b.WriteString("</svg>\n")
	return os.WriteFile(path, []byte(b.String()), 0o644)
}
