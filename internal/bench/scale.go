package bench

import (
	"context"
	"fmt"
	"net/http"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/rest"

	"github.com/example/extension-apiserver/internal/localcluster"
)

// ScaleOptions size a scale run: the server grows through Sizes, and every
// figure is taken at each size.
type ScaleOptions struct {
	Sizes       []int
	Workers     int
	ObjectBytes int
	PageSize    int
	// ProfileDir, when set, receives each server's live heap profile at
	// each size (<scenario>-heap-<objects>.pprof), a 3-second CPU profile
	// from the start of each full list (<scenario>-list-<objects>.pprof) and
	// a 10-second one from the start of each paginated list
	// (<scenario>-pages-<objects>.pprof).
	ProfileDir string
	// MemoryCapMiB and TimeCap stop a server's growth once its resident
	// memory passes the cap, or once its growth has taken TimeCap in all
	// (zero: no cap). A stopped server is measured no further and leaves the
	// run (see retire). Uncapped names the scenarios the caps do not stop.
	MemoryCapMiB float64
	TimeCap      time.Duration
	Uncapped     []string
}

// ScalePoint is one figure: a metric of a scenario at an object count.
type ScalePoint struct {
	Scenario string  `json:"scenario"`
	Objects  int     `json:"objects"`
	Metric   string  `json:"metric"`
	Value    float64 `json:"value"`
}

// ScaleServer is one server under test at scale. Its first client writes
// the objects and carries the server-side figures; every client reads.
type ScaleServer struct {
	// Process names the component in the local cluster, to restart it.
	Process string
	// URL and Client reach the server itself (readiness, /debug/pprof),
	// not through the aggregator.
	URL    string
	Client *http.Client
	// Resource and Namespace hold the objects; EtcdPrefix is where they are
	// stored.
	Resource   schema.GroupVersionResource
	Namespace  string
	EtcdPrefix string
	Writer     *APITarget
	Clients    []ScaleClient
}

// ScaleClient is one way to read a server: a scenario name and a client
// configuration with its content type.
type ScaleClient struct {
	Scenario string
	Config   *rest.Config
	// Typed informers use the generated clientset (this server's CronTabs);
	// the others use the dynamic client.
	Typed bool
}

// RunScale grows every server through the sizes, one server at a time, and
// measures each at each size. restart restarts a process by name and
// returns its new pid (the local cluster's Restart); pidOf finds one.
func RunScale(ctx context.Context, servers []ScaleServer, etcd *clientv3.Client, restart func(string) (int, error), pidOf func(string) (int, error),
	o ScaleOptions, log func(string, ...any)) ([]ScalePoint, error) {
	var points []ScalePoint
	baselines := map[string]memory{}
	for _, s := range servers {
		pid, err := pidOf(s.Process)
		if err != nil {
			return nil, err
		}
		m, err := measureMemory(ctx, s, pid)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.Clients[0].Scenario, err)
		}
		baselines[s.Process] = m
	}
	stored := map[string]int{}
	spent := map[string]time.Duration{}
	stopped := map[string]bool{}
	for _, size := range o.Sizes {
		for _, s := range servers {
			if stopped[s.Process] {
				continue
			}
			scenario := s.Clients[0].Scenario
			add := func(scenario, metric string, value float64) {
				points = append(points, ScalePoint{Scenario: scenario, Objects: size, Metric: metric, Value: value})
				log("%-18s %7d objects  %-26s %10.3f", scenario, size, metric, value)
			}
			g, err := grow(ctx, s, stored[s.Process], size, spent[s.Process], o, pidOf)
			if err != nil {
				return points, fmt.Errorf("%s: %w", scenario, err)
			}
			stored[s.Process] = g.reached
			spent[s.Process] += g.elapsed
			for _, p := range append(g.rates, g.residentMiB...) {
				p.Scenario = scenario
				points = append(points, p)
			}
			add(scenario, "create_server_cpu_ms", g.serverCPUms)
			add(scenario, "create_etcd_cpu_ms", g.etcdCPUms)
			if g.stopped != "" {
				add(scenario, "stopped_"+g.stopped, float64(g.reached))
				stopped[s.Process] = true
				log("%s stopped at %d objects (%s); deleting its objects and restarting it", scenario, g.reached, g.stopped)
				if err := retire(ctx, s, etcd, restart); err != nil {
					return points, fmt.Errorf("%s: %w", scenario, err)
				}
				continue
			}
			add(scenario, "create_ops_per_s_first", g.rates[0].Value)
			add(scenario, "create_ops_per_s_last", g.rates[len(g.rates)-1].Value)

			pid, err := pidOf(s.Process)
			if err != nil {
				return points, err
			}
			m, err := measureMemory(ctx, s, pid)
			if err != nil {
				return points, fmt.Errorf("%s: %w", scenario, err)
			}
			if o.ProfileDir != "" {
				// measureMemory has just forced a collection.
				if err := NewProfiler(s.URL, s.Client, o.ProfileDir, 0).HeapAsOfLastGC(ctx, fmt.Sprintf("%s-heap-%d", scenario, size)); err != nil {
					return points, fmt.Errorf("%s: %w", scenario, err)
				}
			}
			base := baselines[s.Process]
			add(scenario, "memory_growth_mib", m.rssMiB-base.rssMiB)
			add(scenario, "live_heap_mib", m.heapMiB)
			add(scenario, "live_heap_growth_mib", m.heapMiB-base.heapMiB)
			add(scenario, "live_heap_bytes_per_object", (m.heapMiB-base.heapMiB)*(1<<20)/float64(size))
			perObject, err := etcdBytesPerObject(ctx, etcd, s.EtcdPrefix)
			if err != nil {
				return points, fmt.Errorf("%s: %w", scenario, err)
			}
			add(scenario, "etcd_bytes_per_object", perObject)

			for _, c := range s.Clients {
				lists, err := measureLists(ctx, s, c, pid, size, o.PageSize, o.ProfileDir)
				if err != nil {
					return points, fmt.Errorf("%s: %w", c.Scenario, err)
				}
				add(c.Scenario, "full_list_s", lists.full.Seconds())
				add(c.Scenario, "full_list_server_cpu_s", lists.fullCPU)
				add(c.Scenario, "full_list_from_watch_cache", boolValue(lists.fromCache))
				add(c.Scenario, "paginated_list_s", lists.paginated.Seconds())
				add(c.Scenario, "page_p99_ms", float64(lists.pageP99.Microseconds())/1000)
				synced, err := informerSync(ctx, s, c, size)
				if err != nil {
					return points, fmt.Errorf("%s: %w", c.Scenario, err)
				}
				add(c.Scenario, "informer_sync_s", synced.Seconds())
			}

			ready, firstList, err := restartServer(ctx, s, restart)
			if err != nil {
				return points, fmt.Errorf("%s: %w", scenario, err)
			}
			add(scenario, "restart_ready_s", ready.Seconds())
			add(scenario, "restart_first_list_s", firstList.Seconds())
			// Growth is always from the empty server measured first; the
			// restarted one holds the same objects without the garbage
			// and the event history of the growth.
			pid, err = pidOf(s.Process)
			if err != nil {
				return points, err
			}
			restarted, err := measureMemory(ctx, s, pid)
			if err != nil {
				return points, fmt.Errorf("%s: %w", scenario, err)
			}
			add(scenario, "restarted_memory_growth_mib", restarted.rssMiB-base.rssMiB)
			add(scenario, "restarted_live_heap_growth_mib", restarted.heapMiB-base.heapMiB)
		}
		etcdPID, err := pidOf("etcd")
		if err != nil {
			return points, err
		}
		space, err := measureEtcdSpace(ctx, etcd, etcdPID)
		if err != nil {
			return points, fmt.Errorf("etcd: %w", err)
		}
		for _, p := range []ScalePoint{
			{Metric: "etcd_db_mib", Value: space.dbMiB}, {Metric: "etcd_db_in_use_mib", Value: space.inUseMiB},
			{Metric: "etcd_db_defragmented_mib", Value: space.defragmentedMiB}, {Metric: "etcd_defrag_s", Value: space.defrag.Seconds()},
			{Metric: "etcd_resident_mib", Value: space.residentMiB},
		} {
			p.Scenario, p.Objects = "etcd", size
			points = append(points, p)
			log("%-18s %7d objects  %-26s %10.3f", p.Scenario, size, p.Metric, p.Value)
		}
	}
	return points, nil
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// restartServer restarts the server's process and times, from the start of
// the new process, its readiness and the first list only the initialised
// watch cache serves: one at resourceVersion=0 with a label selector. (A
// plain list with a limit is read from etcd while the cache initialises,
// KEP-4568; a list with a selector gets 429 until the cache is ready.)
func restartServer(ctx context.Context, s ScaleServer, restart func(string) (int, error)) (ready, firstList time.Duration, err error) {
	pid, err := restart(s.Process)
	if err != nil {
		return 0, 0, err
	}
	start := time.Now()
	if err := localcluster.WaitHTTP(ctx, s.Client, s.URL+"/readyz", 5*time.Minute, pid); err != nil {
		return 0, 0, err
	}
	ready = time.Since(start)
	if err := localcluster.WaitHTTP(ctx, s.Client, s.URL+resourcePath(s.Resource, s.Namespace)+"?resourceVersion=0&labelSelector=scale.example.com%2Fnone%3Dtrue", 5*time.Minute, pid); err != nil {
		return 0, 0, err
	}
	return ready, time.Since(start), nil
}

func resourcePath(gvr schema.GroupVersionResource, namespace string) string {
	return fmt.Sprintf("/apis/%s/%s/namespaces/%s/%s", gvr.Group, gvr.Version, namespace, gvr.Resource)
}
