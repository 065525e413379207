package bench

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// Scenario is one system under test.
type Scenario struct {
	Name   string
	Target Target
	// PIDs are the server processes whose CPU and memory count.
	PIDs []int
	// EtcdPID is the etcd behind the servers, whose CPU is reported apart.
	EtcdPID int
	// BackendPID, one of PIDs, is the server a proxy in front forwards to
	// (this server behind kube-apiserver), whose CPU is also reported apart.
	BackendPID int
	// Profilers, when set, profile the servers during every timed phase:
	// the first into <scenario>-<op>.pprof, the others into
	// <scenario>-<their name>-<op>.pprof.
	Profilers []NamedProfiler
	// Wire, when set, is this server, whose metrics show the connections
	// and protocol of the phase's requests.
	Wire *ScaleServer
}

// NamedProfiler profiles one of a scenario's servers.
type NamedProfiler struct {
	Name string // empty for the scenario's front server
	*Profiler
}

func (p NamedProfiler) file(scenario, op string) string {
	if p.Name == "" {
		return scenario + "-" + op
	}
	return scenario + "-" + p.Name + "-" + op
}

// Options size a run.
type Options struct {
	Objects     int
	Workers     int
	Lists       int
	Watchers    int
	WatchWrites int
	// Runs repeats every scenario, back to back, this many times; the
	// report gives medians.
	Runs int
}

// Result is one operation of one scenario.
type Result struct {
	Scenario          string  `json:"scenario"`
	Op                string  `json:"op"`
	OpsPerS           float64 `json:"ops_per_s"`
	P50Ms             float64 `json:"p50_ms"`
	P99Ms             float64 `json:"p99_ms"`
	Errors            int     `json:"errors"`
	CPUSecondsPer1000 float64 `json:"cpu_seconds_per_1000_ops"`
	// The load generator and etcd share the two cores with the server;
	// their CPU shows how much of the machine the server had.
	ClientCPUSecondsPer1000 float64 `json:"client_cpu_seconds_per_1000_ops"`
	EtcdCPUSecondsPer1000   float64 `json:"etcd_cpu_seconds_per_1000_ops"`
	// BackendCPUSecondsPer1000 is the part of CPUSecondsPer1000 spent by
	// the server behind the proxy (this server, through the aggregator).
	BackendCPUSecondsPer1000 float64 `json:"backend_cpu_seconds_per_1000_ops,omitempty"`
	// RSSGrowthMiBPer10k is set on create: resident memory growth of the
	// server per 10,000 stored objects.
	RSSGrowthMiBPer10k float64 `json:"rss_growth_mib_per_10k_objects,omitempty"`
	FirstError         string  `json:"first_error,omitempty"`
	// Over several runs the figures above are medians (errors are summed)
	// and these the lowest and highest throughput and server CPU of a run.
	Runs         int       `json:"runs,omitempty"`
	OpsPerSRange []float64 `json:"ops_per_s_range,omitempty"`
	CPURange     []float64 `json:"cpu_seconds_per_1000_ops_range,omitempty"`
	// Wire is what reached this server, when the scenario watches it.
	Wire *Wire `json:"wire,omitempty"`
}

// Run measures every operation of a scenario: create, get, list, update,
// watch fan-out, delete. log receives progress lines.
func Run(ctx context.Context, sc Scenario, o Options, log func(string, ...any)) []Result {
	var results []Result
	phase := func(op string, count int, fn func(ctx context.Context, i int) error) Result {
		var profiled []func() error
		for _, p := range sc.Profilers {
			profiled = append(profiled, p.Start(ctx, p.file(sc.Name, op)))
		}
		r := measure(ctx, sc, op, count, o.Workers, fn)
		for _, wait := range profiled {
			if err := wait(); err != nil {
				log("%s %s: no profile: %v", sc.Name, op, err)
			}
		}
		log("%-22s %-7s %8.0f ops/s  p50 %6.2f ms  p99 %7.2f ms  errors %d", sc.Name, op, r.OpsPerS, r.P50Ms, r.P99Ms, r.Errors)
		return r
	}

	rssBefore, _ := rssMiB(sc.PIDs)
	create := phase("create", o.Objects, sc.Target.Create)
	if rssAfter, err := rssMiB(sc.PIDs); err == nil && o.Objects > 0 {
		create.RSSGrowthMiBPer10k = (rssAfter - rssBefore) * 10000 / float64(o.Objects)
	}
	for _, p := range sc.Profilers {
		if err := p.Heap(ctx, p.file(sc.Name, "heap")); err != nil {
			log("%s: no heap profile: %v", sc.Name, err)
		}
	}
	results = append(results, create)
	results = append(results, phase("get", o.Objects, sc.Target.Get))
	results = append(results, phase("list", o.Lists, func(ctx context.Context, _ int) error {
		n, err := sc.Target.List(ctx)
		if err == nil && n < o.Objects {
			err = fmt.Errorf("listed %d objects, want %d", n, o.Objects)
		}
		return err
	}))
	results = append(results, phase("update", o.Objects, sc.Target.Update))
	if o.Watchers > 0 && o.WatchWrites > 0 {
		watch := watchFanOut(ctx, sc, o)
		log("%-22s %-7s %8d events  p50 %6.2f ms  p99 %7.2f ms  errors %d", sc.Name, "watch", o.Watchers*o.WatchWrites, watch.P50Ms, watch.P99Ms, watch.Errors)
		results = append(results, watch)
	}
	results = append(results, phase("delete", o.Objects, sc.Target.Delete))
	return results
}

// measure runs fn for indices 0..count-1 on workers goroutines.
func measure(ctx context.Context, sc Scenario, op string, count, workers int, fn func(ctx context.Context, i int) error) Result {
	latencies := make([]time.Duration, count)
	var next atomic.Int64
	var errCount atomic.Int64
	var firstErr atomic.Value
	wireBefore, wireOK := sampleWire(ctx, sc.Wire) // outside the CPU counted
	before := sampleCPU(sc)
	start := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= count {
					return
				}
				t0 := time.Now()
				if err := fn(ctx, i); err != nil {
					errCount.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
				}
				latencies[i] = time.Since(t0)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	r := Result{Scenario: sc.Name, Op: op, OpsPerS: float64(count) / elapsed.Seconds(), Errors: int(errCount.Load())}
	r.P50Ms, r.P99Ms = percentiles(latencies)
	sampleCPU(sc).since(before, count, &r)
	if wireAfter, ok := sampleWire(ctx, sc.Wire); ok && wireOK {
		r.Wire = wireAfter.since(wireBefore, count)
	}
	if e, ok := firstErr.Load().(string); ok {
		r.FirstError = e
	}
	return r
}

// watchFanOut starts o.Watchers watches, writes o.WatchWrites stamped
// objects one after another, and measures from each write to its receipt
// by every watcher. The stamped objects are removed afterwards.
func watchFanOut(ctx context.Context, sc Scenario, o Options) Result {
	r := Result{Scenario: sc.Name, Op: "watch"}
	watchCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var mu sync.Mutex
	var latencies []time.Duration
	var received sync.WaitGroup
	for w := 0; w < o.Watchers; w++ {
		stamps, err := sc.Target.Watch(watchCtx)
		if err != nil {
			r.Errors++
			r.FirstError = err.Error()
			continue
		}
		received.Add(1)
		go func() {
			defer received.Done()
			for got := 0; got < o.WatchWrites; got++ {
				select {
				case nanos, ok := <-stamps:
					if !ok {
						return
					}
					d := time.Since(time.Unix(0, nanos))
					mu.Lock()
					latencies = append(latencies, d)
					mu.Unlock()
				case <-time.After(30 * time.Second):
					return
				}
			}
		}()
	}
	before := sampleCPU(sc)
	for i := 0; i < o.WatchWrites; i++ {
		if err := sc.Target.Stamp(ctx, o.Objects+i, time.Now().UnixNano()); err != nil {
			r.Errors++
			r.FirstError = err.Error()
		}
		time.Sleep(10 * time.Millisecond) // a steady trickle, not a burst
	}
	received.Wait()
	after := sampleCPU(sc)
	want := o.Watchers * o.WatchWrites
	if missing := want - len(latencies); missing > 0 {
		r.Errors += missing
		if r.FirstError == "" {
			r.FirstError = fmt.Sprintf("%d of %d events not delivered within 30s", missing, want)
		}
	}
	r.OpsPerS = float64(len(latencies)) / (float64(o.WatchWrites) * 0.01)
	r.P50Ms, r.P99Ms = percentiles(latencies)
	after.since(before, want, &r)
	cancel()
	for i := 0; i < o.WatchWrites; i++ {
		_ = sc.Target.Delete(ctx, o.Objects+i)
	}
	return r
}

func percentiles(d []time.Duration) (p50, p99 float64) {
	if len(d) == 0 {
		return 0, 0
	}
	sorted := append([]time.Duration(nil), d...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
	at := func(q float64) float64 {
		return float64(sorted[int(q*float64(len(sorted)-1))].Microseconds()) / 1000
	}
	return at(0.50), at(0.99)
}
