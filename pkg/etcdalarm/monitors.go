package etcdalarm

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
)

// Monitors watch every etcd cluster the server stores in: the main one
// (--etcd-servers) and those of --etcd-servers-overrides, each found by its
// server list, as a resource's storage configuration names it.
type Monitors struct {
	byServers map[string]*Monitor
	all       []*Monitor
}

// NewMonitors starts empty; Add each cluster's monitor.
func NewMonitors() *Monitors { return &Monitors{byServers: map[string]*Monitor{}} }

func serversKey(servers []string) string {
	return strings.Join(slices.Sorted(slices.Values(servers)), ",")
}

// Add watches the cluster at servers with m; a cluster added twice keeps its
// first monitor.
func (ms *Monitors) Add(servers []string, m *Monitor) {
	if _, ok := ms.byServers[serversKey(servers)]; ok {
		return
	}
	ms.byServers[serversKey(servers)] = m
	ms.all = append(ms.all, m)
}

// Has tells whether the cluster at servers has a monitor.
func (ms *Monitors) Has(servers []string) bool {
	_, ok := ms.byServers[serversKey(servers)]
	return ok
}

// For is the monitor of the cluster at servers.
func (ms *Monitors) For(servers []string) (*Monitor, error) {
	m, ok := ms.byServers[serversKey(servers)]
	if !ok {
		return nil, fmt.Errorf("no etcd alarm monitor for the cluster at %v", servers)
	}
	return m, nil
}

// Run polls every cluster until ctx is done.
func (ms *Monitors) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for _, m := range ms.all {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m.Run(ctx)
		}()
	}
	wg.Wait()
}

// Raised describes the raised alarms of every cluster.
func (ms *Monitors) Raised() []string {
	var problems []string
	for _, m := range ms.all {
		problems = append(problems, m.Raised()...)
	}
	return problems
}

// ServeHTTP answers as /readyz?verbose does, but names what is raised and
// where (healthz withholds a failed check's reason): 200 and "ok" without
// an alarm, 503 and one line per raised alarm otherwise.
func (ms *Monitors) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	problems := ms.Raised()
	if len(problems) == 0 {
		fmt.Fprint(w, "[+]etcd-alarms ok\nok\n")
		return
	}
	w.WriteHeader(http.StatusServiceUnavailable)
	for _, p := range problems {
		fmt.Fprintf(w, "[-]etcd-alarms failed: %s\n", p)
	}
	fmt.Fprint(w, "storage check failed: writes to the clusters named are refused\n")
}
