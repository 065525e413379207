package bench

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"k8s.io/client-go/rest"
)

// OverloadOptions size the overload run: a list storm of informers, one of
// plain lists, and a write flood while a controller and a quiet user work.
type OverloadOptions struct {
	Objects      int
	Workers      int
	Informers    int
	Listers      int
	FloodWorkers int
	FloodFor     time.Duration
}

// Identities are the users of the overload run, each a client certificate
// of the cluster's CA: the tenants' and the controller's.
type Identities struct {
	// Storm lists and starts informers; Flood writes; Quiet reads;
	// Controller reads and writes its own objects, as the CronTab
	// controller's service account.
	Storm, Flood, Quiet, Controller func(base *rest.Config) *rest.Config
}

// RunOverload measures each server under the storms, one server at a time.
func RunOverload(ctx context.Context, servers []ScaleServer, pidOf func(string) (int, error), ids Identities, o OverloadOptions,
	log func(string, ...any)) ([]ScalePoint, error) {
	var points []ScalePoint
	for _, s := range servers {
		scenario := s.Clients[0].Scenario
		record := func(metric string, value float64) {
			points = append(points, ScalePoint{Scenario: scenario, Objects: o.Objects, Metric: metric, Value: value})
		}
		log("%s: growing to %d objects", scenario, o.Objects)
		_, capacity, err := grow(ctx, s, 0, o.Objects, ScaleOptions{Workers: o.Workers})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", scenario, err)
		}
		record("creates_per_s", capacity)
		pid, err := pidOf(s.Process)
		if err != nil {
			return nil, err
		}
		idle, err := measureMemory(ctx, s, pid)
		if err != nil {
			return nil, err
		}
		record("idle_rss_mib", idle.rssMiB)
		record("idle_heap_mib", idle.heapMiB)
		base := s.Clients[0].Config
		controller := newOverloadClient(ids.Controller(base), s)
		quiet := newOverloadClient(ids.Quiet(base), s)
		if err := controller.prepare(ctx, "overload-controller", 20); err != nil {
			return nil, fmt.Errorf("%s: %w", scenario, err)
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
		phase := watchServer(ctx, s, pid)
		synced, err := storm.informerStorm(ctx, o.Informers, o.Objects)
		phase.stop()
		phase.record("informer_storm", record, idle)
		if err == nil {
			record("informer_storm_all_synced_s", synced.Seconds())
		}
		if !alive("informer_storm", err) {
			continue
		}

		log("%s: %d plain lists at once", scenario, o.Listers)
		phase = watchServer(ctx, s, pid)
		listed, err := storm.listStorm(ctx, o.Listers)
		phase.stop()
		phase.record("list_storm", record, idle)
		record("list_storm_all_listed_s", listed.total.Seconds())
		record("list_storm_429", float64(listed.throttled))
		if !alive("list_storm", err) {
			continue
		}

		log("%s: a flood of %d writers for %s while a controller and a quiet user work", scenario, o.FloodWorkers, o.FloodFor)
		flood := newOverloadClient(ids.Flood(base), s)
		phase = watchServer(ctx, s, pid)
		floodCtx, stopFlood := context.WithTimeout(ctx, o.FloodFor)
		var wg sync.WaitGroup
		var flooded floodResult
		wg.Add(1)
		go func() { defer wg.Done(); flooded = flood.flood(floodCtx, o.FloodWorkers) }()
		var controllerBusy, quietBusy *latencies
		wg.Add(2)
		go func() { defer wg.Done(); controllerBusy = controller.reconcileLoop(floodCtx, 1<<30) }()
		go func() { defer wg.Done(); quietBusy = quiet.readLoop(floodCtx, 1<<30) }()
		wg.Wait()
		stopFlood()
		phase.stop()
		phase.record("flood", record, idle)
		record("flood_offered_per_s", float64(flooded.sent)/o.FloodFor.Seconds())
		record("flood_acknowledged_per_s", float64(flooded.acknowledged)/o.FloodFor.Seconds())
		record("flood_429_share", float64(flooded.throttled)/float64(max(flooded.sent, 1)))
		record("flood_429_with_retry_after_share", float64(flooded.retryAfter)/float64(max(flooded.throttled, 1)))
		record("flood_5xx", float64(flooded.serverErrors+controllerBusy.serverErrors+quietBusy.serverErrors))
		record("controller_flood_p99_ms", controllerBusy.p99())
		record("quiet_flood_p99_ms", quietBusy.p99())
		record("controller_p99_ratio", controllerBusy.p99()/max(controllerIdle.p99(), 0.001))
		lost, err := flood.lostAcknowledged(ctx, flooded.acknowledgedNames)
		if err != nil {
			return nil, err
		}
		record("flood_acknowledged_lost", float64(lost))
		if alive("flood", nil) {
			record("restarts", 0)
		}
		log("%s: done", scenario)
	}
	return points, nil
}

// serverWatch samples a server's resident memory and probes its /readyz and
// /livez while a phase runs.
type serverWatch struct {
	cancel  context.CancelFunc
	done    chan struct{}
	peakRSS atomic.Uint64 // KiB
	probes  latencies
}

func watchServer(ctx context.Context, s ScaleServer, pid int) *serverWatch {
	ctx, cancel := context.WithCancel(ctx)
	w := &serverWatch{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(w.done)
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for i := 0; ; i++ {
			if rss, err := rssMiB([]int{pid}); err == nil && uint64(rss*1024) > w.peakRSS.Load() {
				w.peakRSS.Store(uint64(rss * 1024))
			}
			if i%2 == 0 {
				for _, path := range []string{"/readyz", "/livez"} {
					took, code := probe(ctx, s, path)
					w.probes.observe(took, code, false)
				}
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	return w
}

func (w *serverWatch) stop() { w.cancel(); <-w.done }

func (w *serverWatch) record(phase string, record func(string, float64), idle memory) {
	peak := float64(w.peakRSS.Load()) / 1024
	record(phase+"_peak_rss_mib", peak)
	record(phase+"_peak_rss_over_idle", peak/idle.rssMiB)
	record(phase+"_probe_p99_ms", w.probes.p99())
	record(phase+"_probe_failures", float64(w.probes.failures()))
}

func probe(ctx context.Context, s ScaleServer, path string) (time.Duration, int) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	start := time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+path, nil)
	if err != nil {
		return 0, 0
	}
	resp, err := s.Client.Do(req)
	if err != nil {
		if ctx.Err() != nil && ctx.Err() != context.DeadlineExceeded {
			return -1, 0 // the phase ended: not a failure
		}
		return time.Since(start), 0
	}
	_ = resp.Body.Close()
	return time.Since(start), resp.StatusCode
}
