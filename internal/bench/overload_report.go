package bench

import (
	"fmt"
	"io"
	"slices"
)

// OverloadMetrics are the figures of the overload run, in report order.
var OverloadMetrics = []string{
	"creates_per_s", "idle_rss_mib", "idle_heap_mib", "controller_idle_p99_ms", "quiet_idle_p99_ms",
	"informer_storm_peak_rss_mib", "informer_storm_peak_rss_over_idle", "informer_storm_peak_heap_mib", "informer_storm_peak_heap_over_idle", "informer_storm_all_synced_s", "informer_storm_probe_p99_ms", "informer_storm_probe_failures",
	"list_storm_peak_rss_mib", "list_storm_peak_rss_over_idle", "list_storm_peak_heap_mib", "list_storm_peak_heap_over_idle", "list_storm_all_listed_s", "list_storm_429", "list_storm_probe_p99_ms", "list_storm_probe_failures",
	"flood_peak_rss_mib", "flood_peak_rss_over_idle", "flood_peak_heap_mib", "flood_peak_heap_over_idle", "flood_server_cpu_cores", "flood_generator_cpu_cores", "flood_machine_cpu_busy_share", "flood_target_per_s", "flood_offered_per_s", "flood_unsent_per_s", "flood_acknowledged_per_s", "flood_429_share", "flood_429_with_retry_after_share",
	"flood_5xx", "flood_acknowledged_lost", "controller_flood_p99_ms", "controller_p99_ratio", "controller_level_mean_wait_ms", "controller_level_rejected", "quiet_flood_p99_ms", "quiet_p99_ratio", "flood_probe_p99_ms", "flood_probe_failures",
	"restarts",
}

// WriteOverloadMarkdown writes the figures side by side and the targets'
// ratios, each taken in this one run.
func WriteOverloadMarkdown(w io.Writer, points []ScalePoint, o OverloadOptions) {
	var scenarios []string
	value := map[[2]string]float64{}
	for _, p := range points {
		if !slices.Contains(scenarios, p.Scenario) {
			scenarios = append(scenarios, p.Scenario)
		}
		value[[2]string{p.Scenario, p.Metric}] = p.Value
	}
	fmt.Fprintf(w, "\n## Overload at %d objects: %d informers, %d lists, a flood at %.0fx capacity for %s\n\n| metric |", o.Objects, o.Informers, o.Listers, o.FloodTimes, o.FloodFor)
	for _, s := range scenarios {
		fmt.Fprintf(w, " %s |", s)
	}
	fmt.Fprint(w, "\n|---|")
	for range scenarios {
		fmt.Fprint(w, "---|")
	}
	for _, m := range OverloadMetrics {
		fmt.Fprintf(w, "\n| %s |", m)
		for _, s := range scenarios {
			fmt.Fprintf(w, " %s |", formatFigure(value[[2]string{s, m}]))
		}
	}
	fmt.Fprintln(w)
	ours, crd := value[[2]string{"ours", "informer_storm_peak_rss_mib"}], value[[2]string{"crd", "informer_storm_peak_rss_mib"}]
	fmt.Fprintf(w, "\nratio: informer storm peak RSS over idle, ours: %.2f (target <= 1.5)\n", value[[2]string{"ours", "informer_storm_peak_rss_over_idle"}])
	if crd > 0 {
		fmt.Fprintf(w, "ratio: informer storm peak RSS, ours over the CRD's: %.2f (target <= 0.33)\n", ours/crd)
	}
	fmt.Fprintf(w, "ratio: the controller's p99 during the flood over idle, ours: %.2f (target <= 3), the CRD's: %.2f\n",
		value[[2]string{"ours", "controller_p99_ratio"}], value[[2]string{"crd", "controller_p99_ratio"}])
}
