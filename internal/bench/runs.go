package bench

import (
	"fmt"
	"slices"
)

// Report is what a run of the benchmark writes to results.json: the
// median of each figure over the runs, every run's own figures, and the
// ratios to the CRD computed within each run (its scenarios ran back to
// back) and then summarised over the runs.
type Report struct {
	Options Options    `json:"options"`
	Results []Result   `json:"results"`
	Ratios  []Ratio    `json:"ratios"`
	PerRun  [][]Result `json:"per_run"`
}

// Ratio is one comparison over the runs: its median and the lowest and
// highest value a single run gave.
type Ratio struct {
	Name   string  `json:"name"`
	Median float64 `json:"median"`
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
	Runs   int     `json:"runs"`
}

func (r Ratio) String() string {
	if r.Runs == 0 {
		return "–"
	}
	if r.Runs == 1 {
		return fmt.Sprintf("%.2f", r.Median)
	}
	return fmt.Sprintf("%.2f (%.2f–%.2f)", r.Median, r.Min, r.Max)
}

// NewReport summarises the runs, each the results of every scenario.
func NewReport(o Options, runs [][]Result) Report {
	rep := Report{Options: o, PerRun: runs, Results: medianResults(runs)}
	for _, op := range []string{"create", "get", "update"} {
		for _, c := range comparisons(op) {
			rep.Ratios = append(rep.Ratios, summarise(c.name, runs, c.of))
		}
	}
	return rep
}

// Ratio returns the named ratio, or one with no runs.
func (rep Report) Ratio(name string) Ratio {
	for _, r := range rep.Ratios {
		if r.Name == name {
			return r
		}
	}
	return Ratio{Name: name}
}

type comparison struct {
	name string
	of   func(run []Result) (float64, bool)
}

// comparisons are the shares of the CRD's figures reported per operation:
// this server's CPU (direct, JSON and protobuf) against kube-apiserver's for
// the CRD; the whole aggregated path's CPU (kube-apiserver, this server,
// etcd) against the CRD's (kube-apiserver, etcd), and its throughput.
func comparisons(op string) []comparison {
	cpuShare := func(scenario string) func([]Result) (float64, bool) {
		return func(run []Result) (float64, bool) {
			r, ok1 := find(run, scenario, op)
			crd, ok2 := find(run, "crd", op)
			if !ok1 || !ok2 || crd.CPUSecondsPer1000 == 0 {
				return 0, false
			}
			return r.CPUSecondsPer1000 / crd.CPUSecondsPer1000, true
		}
	}
	return []comparison{
		{op + "/ours-direct-cpu", cpuShare("ours-direct")},
		{op + "/ours-direct-protobuf-cpu", cpuShare("ours-direct-protobuf")},
		{op + "/aggregated-path-cpu", func(run []Result) (float64, bool) {
			agg, ok1 := find(run, "ours-aggregated", op)
			crd, ok2 := find(run, "crd", op)
			theirs := crd.CPUSecondsPer1000 + crd.EtcdCPUSecondsPer1000
			if !ok1 || !ok2 || theirs == 0 {
				return 0, false
			}
			return (agg.CPUSecondsPer1000 + agg.EtcdCPUSecondsPer1000) / theirs, true
		}},
		{op + "/aggregated-throughput", func(run []Result) (float64, bool) {
			agg, ok1 := find(run, "ours-aggregated", op)
			crd, ok2 := find(run, "crd", op)
			if !ok1 || !ok2 || crd.OpsPerS == 0 {
				return 0, false
			}
			return agg.OpsPerS / crd.OpsPerS, true
		}},
	}
}

func summarise(name string, runs [][]Result, of func([]Result) (float64, bool)) Ratio {
	var values []float64
	for _, run := range runs {
		if v, ok := of(run); ok {
			values = append(values, v)
		}
	}
	r := Ratio{Name: name, Runs: len(values)}
	if len(values) > 0 {
		r.Median, r.Min, r.Max = median(values), slices.Min(values), slices.Max(values)
	}
	return r
}

// medianResults gives, per scenario and operation, the median of each
// figure over the runs, with the range of throughput and server CPU. Memory
// growth is the first run's: later runs refill a heap that already grew.
func medianResults(runs [][]Result) []Result {
	if len(runs) == 0 {
		return nil
	}
	var out []Result
	for _, first := range runs[0] {
		var all []Result
		for _, run := range runs {
			if r, ok := find(run, first.Scenario, first.Op); ok {
				all = append(all, r)
			}
		}
		m := first
		field := func(get func(Result) float64) float64 {
			values := make([]float64, len(all))
			for i, r := range all {
				values[i] = get(r)
			}
			return median(values)
		}
		m.OpsPerS = field(func(r Result) float64 { return r.OpsPerS })
		m.P50Ms = field(func(r Result) float64 { return r.P50Ms })
		m.P99Ms = field(func(r Result) float64 { return r.P99Ms })
		m.CPUSecondsPer1000 = field(func(r Result) float64 { return r.CPUSecondsPer1000 })
		m.ClientCPUSecondsPer1000 = field(func(r Result) float64 { return r.ClientCPUSecondsPer1000 })
		m.EtcdCPUSecondsPer1000 = field(func(r Result) float64 { return r.EtcdCPUSecondsPer1000 })
		m.BackendCPUSecondsPer1000 = field(func(r Result) float64 { return r.BackendCPUSecondsPer1000 })
		if first.Wire != nil {
			var wires []Result
			for _, r := range all {
				if r.Wire != nil {
					wires = append(wires, r)
				}
			}
			values := func(get func(*Wire) float64) float64 {
				v := make([]float64, len(wires))
				for i, r := range wires {
					v[i] = get(r.Wire)
				}
				return median(v)
			}
			m.Wire = &Wire{
				ConnectionsPer1000: values(func(w *Wire) float64 { return w.ConnectionsPer1000 }),
				HTTP2Share:         values(func(w *Wire) float64 { return w.HTTP2Share }),
				BytesPerGet:        values(func(w *Wire) float64 { return w.BytesPerGet }),
			}
		}
		m.Errors = 0
		for _, r := range all {
			m.Errors += r.Errors
			if m.FirstError == "" {
				m.FirstError = r.FirstError
			}
		}
		if len(all) > 1 {
			m.Runs = len(all)
			m.OpsPerSRange = spread(all, func(r Result) float64 { return r.OpsPerS })
			m.CPURange = spread(all, func(r Result) float64 { return r.CPUSecondsPer1000 })
		}
		out = append(out, m)
	}
	return out
}

func spread(all []Result, get func(Result) float64) []float64 {
	lo, hi := get(all[0]), get(all[0])
	for _, r := range all[1:] {
		lo, hi = min(lo, get(r)), max(hi, get(r))
	}
	return []float64{lo, hi}
}

func median(values []float64) float64 {
	sorted := slices.Clone(values)
	slices.Sort(sorted)
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}
