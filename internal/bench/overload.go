package bench

import (
	"context"
	"sync"
	"time"

	"k8s.io/client-go/rest"
)

// OverloadOptions size the overload run: a list storm of informers, one of
// plain lists, and a write flood while a controller and a quiet user work.
type OverloadOptions struct {
	Objects   int
	Workers   int
	Informers int
	Listers   int
	// The flood offers FloodTimes the creates per second the server
	// managed while growing, with at most FloodInFlight unanswered.
	FloodTimes    float64
	FloodInFlight int
	FloodFor      time.Duration
	// ProfileDir, when set, receives the heap profile taken nearest each
	// phase's resident peak: <scenario>-<phase>-peak-heap.pprof.
	ProfileDir string
}

// Identities are the users of the overload run, each a client certificate
// of the cluster's CA: the tenants' and the controller's.
type Identities struct {
	// Storm lists and starts informers; Flood writes; Quiet reads;
	// Controller reads and writes its own objects, as the CronTab
	// controller's service account.
	Storm, Flood, Quiet, Controller func(base *rest.Config) *rest.Config
	// ControllerLevel names, per scenario, the priority level the
	// controller's requests fall in there.
	ControllerLevel map[string]string
}

// RunOverload measures each server under the storms, one server at a time.
// A server that fails a step is recorded as failed (run_failed) and the
// run goes on to the next. save gets the figures so far after each server,
// so that a run cut short keeps them.
func RunOverload(ctx context.Context, servers []ScaleServer, pidOf func(string) (int, error), ids Identities, o OverloadOptions,
	log func(string, ...any), save func([]ScalePoint) error) ([]ScalePoint, error) {
	var points []ScalePoint
	for _, s := range servers {
		scenario := s.Clients[0].Scenario
		record := func(metric string, value float64) {
			points = append(points, ScalePoint{Scenario: scenario, Objects: o.Objects, Metric: metric, Value: value})
		}
		if err := overloadServer(ctx, s, pidOf, ids, o, log, record); err != nil {
			if ctx.Err() != nil {
				return nil, err
			}
			log("%s: the run stopped: %v", scenario, err)
			record("run_failed", 1)
		}
		if err := save(points); err != nil {
			return nil, err
		}
	}
	return points, nil
}

func overloadServer(ctx context.Context, s ScaleServer, pidOf func(string) (int, error), ids Identities, o OverloadOptions,
	log func(string, ...any), record func(string, float64)) error {
	scenario := s.Clients[0].Scenario
	log("%s: growing to %d objects", scenario, o.Objects)
	g, err := grow(ctx, s, 0, o.Objects, 0, ScaleOptions{Workers: o.Workers}, pidOf)
	if err != nil {
		return err
	}
	capacity := g.rates[len(g.rates)-1].Value
	record("creates_per_s", capacity)
	// Priority and fairness prices a list or a streaming watch by the
	// stored object count, which the server refreshes once a minute: a
	// storm right after the growth would be priced as a list of nothing.
	if err := waitObjectCount(ctx, s, o.Objects); err != nil {
		return err
	}
	pid, err := pidOf(s.Process)
	if err != nil {
		return err
	}
	idle, err := measureMemory(ctx, s, pid)
	if err != nil {
		return err
	}
	record("idle_rss_mib", idle.rssMiB)
	record("idle_heap_mib", idle.heapMiB)
	base := s.Clients[0].Config
	var profiler *Profiler
	if o.ProfileDir != "" {
		profiler = NewProfiler(s.URL, s.Client, o.ProfileDir, int(min(o.FloodFor, 10*time.Second)/time.Second))
	}
	controller := newOverloadClient(ids.Controller(base), s)
	quiet := newOverloadClient(ids.Quiet(base), s)
	if err := controller.prepare(ctx, "overload-controller", 20); err != nil {
		return err
	}
	controllerIdle, quietIdle := controller.reconcileLoop(ctx, 200), quiet.readLoop(ctx, 200)
	record("controller_idle_p99_ms", controllerIdle.p99())
	record("quiet_idle_p99_ms", quietIdle.p99())

	// A storm the server does not survive is a result: recorded as
	// failed, with the reason logged, and the server's run ends there.
	alive := func(phase string, err error) bool {
		if err != nil {
			log("%s: %s failed: %v", scenario, phase, err)
			record(phase+"_failed", 1)
		}
		_, gone := rssMiB([]int{pid}) // no /proc/<pid>: the process exited
		if now, pidErr := pidOf(s.Process); gone != nil || pidErr != nil || now != pid {
			log("%s: the server did not survive the %s (pid %d gone)", scenario, phase, pid)
			record("restarts", 1)
			return false
		}
		return true
	}
	log("%s: %d informers start at once", scenario, o.Informers)
	storm := newOverloadClient(ids.Storm(base), s)
	phase := watchServer(ctx, s, pid, profiler, scenario+"-informer_storm-peak-heap")
	synced, err := storm.informerStorm(ctx, o.Informers, o.Objects)
	phase.stop()
	phase.record("informer_storm", record, idle)
	if err == nil {
		record("informer_storm_all_synced_s", synced.Seconds())
	}
	if !alive("informer_storm", err) {
		return nil
	}

	log("%s: %d plain lists at once", scenario, o.Listers)
	phase = watchServer(ctx, s, pid, profiler, scenario+"-list_storm-peak-heap")
	listed, err := storm.listStorm(ctx, o.Listers)
	phase.stop()
	phase.record("list_storm", record, idle)
	record("list_storm_all_listed_s", listed.total.Seconds())
	record("list_storm_429", float64(listed.throttled))
	if !alive("list_storm", err) {
		return nil
	}

	log("%s: a flood of %.0f creates/s (%.0fx its growth rate) for %s while a controller and a quiet user work", scenario, o.FloodTimes*capacity, o.FloodTimes, o.FloodFor)
	flood := newOverloadClient(ids.Flood(base), s)
	template := *s.Writer.object(0, nil)
	phase = watchServer(ctx, s, pid, profiler, scenario+"-flood-peak-heap")
	floodCtx, stopFlood := context.WithCancel(ctx)
	var controllerBusy, quietBusy *latencies
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); controllerBusy = controller.reconcileLoop(floodCtx, 1<<30) }()
	go func() { defer wg.Done(); quietBusy = quiet.readLoop(floodCtx, 1<<30) }()
	level := map[string]string{"priority_level": ids.ControllerLevel[scenario]}
	before, beforeErr := scrapeMetrics(ctx, s)
	serverCPU, _ := cpuSeconds([]int{pid})
	machineBusy, machineTotal, _ := machineCPU()
	floodStarted := time.Now()
	cpuProfiled := func() error { return nil }
	if profiler != nil {
		cpuProfiled = profiler.Start(ctx, scenario+"-flood-cpu")
	}
	flooded, err := floodInChild(ctx, flood.config, FloodSpec{Collection: flood.collection(), Object: template,
		PerSecond: o.FloodTimes * capacity, MaxInFlight: o.FloodInFlight, For: o.FloodFor})
	stopFlood()
	floodTook := time.Since(floodStarted).Seconds()
	serverCPUAfter, _ := cpuSeconds([]int{pid})
	machineBusyAfter, machineTotalAfter, _ := machineCPU()
	wg.Wait()
	phase.stop()
	if profileErr := cpuProfiled(); profileErr != nil {
		log("%s: the flood's CPU profile: %v", scenario, profileErr)
	}
	if err != nil {
		return err
	}
	phase.record("flood", record, idle)
	// What the controller waited in its level's queues, against its
	// latency: the rest is the CPU it shares with the flood.
	if after, err := scrapeMetrics(ctx, s); err == nil && beforeErr == nil {
		waited := after.Sum("apiserver_flowcontrol_request_wait_duration_seconds", level) - before.Sum("apiserver_flowcontrol_request_wait_duration_seconds", level)
		waits := after.Count("apiserver_flowcontrol_request_wait_duration_seconds", level) - before.Count("apiserver_flowcontrol_request_wait_duration_seconds", level)
		record("controller_level_mean_wait_ms", 1000*waited/max(waits, 1))
		record("controller_level_rejected", after.Sum("apiserver_flowcontrol_rejected_requests_total", level)-before.Sum("apiserver_flowcontrol_rejected_requests_total", level))
	}
	// Where the CPU went while the flood ran: the server, the flood's own
	// process, and the share of the machine's CPU that was busy.
	record("flood_server_cpu_cores", (serverCPUAfter-serverCPU)/floodTook)
	record("flood_generator_cpu_cores", flooded.CPUSeconds/floodTook)
	record("flood_machine_cpu_busy_share", (machineBusyAfter-machineBusy)/max(machineTotalAfter-machineTotal, 1e-9))
	record("flood_target_per_s", o.FloodTimes*capacity)
	record("flood_offered_per_s", float64(flooded.Sent)/o.FloodFor.Seconds())
	// Creates due while every in-flight slot waited for an answer: why
	// offered falls short of the target.
	record("flood_unsent_per_s", float64(flooded.Unsent)/o.FloodFor.Seconds())
	record("flood_acknowledged_per_s", float64(flooded.Acknowledged)/o.FloodFor.Seconds())
	record("flood_429_share", float64(flooded.Throttled)/float64(max(flooded.Sent, 1)))
	record("flood_429_with_retry_after_share", float64(flooded.RetryAfter)/float64(max(flooded.Throttled, 1)))
	record("flood_5xx", float64(flooded.ServerErrors+controllerBusy.serverErrors+quietBusy.serverErrors))
	record("controller_flood_p99_ms", controllerBusy.p99())
	record("quiet_flood_p99_ms", quietBusy.p99())
	record("controller_p99_ratio", controllerBusy.p99()/max(controllerIdle.p99(), 0.001))
	record("quiet_p99_ratio", quietBusy.p99()/max(quietIdle.p99(), 0.001))
	lost, err := flood.lostAcknowledged(ctx, flooded.AcknowledgedNames)
	if err != nil {
		return err
	}
	record("flood_acknowledged_lost", float64(lost))
	if alive("flood", nil) {
		record("restarts", 0)
	}
	log("%s: done", scenario)
	return nil
}
