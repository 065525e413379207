package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/example/extension-apiserver/internal/promtext"
)

// serverWatch samples a server's resident memory and heap and probes its
// /readyz and /livez while a phase runs. With a profiler, it keeps the heap
// profile taken nearest the resident peak, to show what the peak holds.
type serverWatch struct {
	cancel   context.CancelFunc
	done     chan struct{}
	peakRSS  atomic.Uint64 // KiB
	peakHeap atomic.Uint64 // KiB
	probes   latencies
}

func watchServer(ctx context.Context, s ScaleServer, pid int, profiler *Profiler, profileName string) *serverWatch {
	ctx, cancel := context.WithCancel(ctx)
	w := &serverWatch{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(w.done)
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		var profiledAt uint64 // the resident KiB when the kept profile was taken
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
			if i%20 == 0 {
				// The heap as it stands, uncollected garbage included, from
				// /metrics: a heap profile every second would cost the server
				// a tenth of a core.
				if m, err := scrapeMetrics(ctx, s); err == nil {
					if heap := m.Sum("go_memstats_heap_alloc_bytes", nil); uint64(heap/1024) > w.peakHeap.Load() {
						w.peakHeap.Store(uint64(heap / 1024))
					}
				}
				// A new resident peak 10% above the kept profile's is worth
				// another profile.
				if peak := w.peakRSS.Load(); profiler != nil && peak > profiledAt+profiledAt/10 {
					if err := profiler.HeapAsOfLastGC(ctx, profileName); err == nil {
						profiledAt = peak
					}
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
	peak, heap := float64(w.peakRSS.Load())/1024, float64(w.peakHeap.Load())/1024
	record(phase+"_peak_rss_mib", peak)
	record(phase+"_peak_rss_over_idle", peak/idle.rssMiB)
	record(phase+"_peak_heap_mib", heap)
	record(phase+"_peak_heap_over_idle", heap/idle.heapMiB)
	record(phase+"_probe_p99_ms", w.probes.p99())
	record(phase+"_probe_failures", float64(w.probes.failures()))
}

// waitObjectCount waits until the server's apiserver_resource_objects for
// the resource reaches n.
func waitObjectCount(ctx context.Context, s ScaleServer, n int) error {
	series := map[string]string{"group": s.Resource.Group, "resource": s.Resource.Resource}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	for {
		count := -1.0
		if m, err := scrapeMetrics(ctx, s); err == nil {
			count = m.Sum("apiserver_resource_objects", series)
		}
		if count >= float64(n) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the server's object count of %s did not reach %d (last: %.0f)", s.Resource.Resource, n, count)
		case <-time.After(2 * time.Second):
		}
	}
}

// scrapeMetrics is one scrape of a server's /metrics.
func scrapeMetrics(ctx context.Context, s ScaleServer) (promtext.Metrics, error) {
	m, _, err := scrapeWithProtocol(ctx, s)
	return m, err
}

// scrapeWithProtocol is one scrape of a server's /metrics and the HTTP
// major version it was read over.
func scrapeWithProtocol(ctx context.Context, s ScaleServer) (promtext.Metrics, int, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second) // a server the storms exhausted may never answer
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+"/metrics", nil)
	if err != nil {
		return nil, 0, err
	}
	resp, err := s.Client.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return nil, 0, fmt.Errorf("/metrics: %s", resp.Status)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, 0, err
	}
	m, err := promtext.Parse(body)
	return m, resp.ProtoMajor, err
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
