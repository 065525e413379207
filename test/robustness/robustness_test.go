// Package robustness records what clients of both replicas see while etcd
// members and replicas are killed, paused and cut off, and checks the
// history for linearizability and every watch stream against etcd's own
// history (internal/robustness).
package robustness

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/rest"

	"github.com/example/extension-apiserver/internal/localcluster"
	"github.com/example/extension-apiserver/internal/promtext"
	rob "github.com/example/extension-apiserver/internal/robustness"
	"github.com/example/extension-apiserver/internal/testutil"
	clientset "github.com/example/extension-apiserver/pkg/generated/clientset/versioned"
)

var (
	long     = flag.Bool("long", false, "the long form (make test-robustness): more keys, clients and watchers, rounds of every fault for -duration")
	duration = flag.Duration("duration", 10*time.Minute, "how long the long form injects faults")
	seed     = flag.Uint64("seed", 0, "seed of the clients' choices and of the faults' order; 0 picks one (printed)")
)

func TestConsistencyUnderFaults(t *testing.T) {
	s := *seed
	if s == 0 {
		s = uint64(time.Now().UnixNano())
	}
	t.Logf("seed %d (again: go test ./test/robustness -run %s -seed %d)", s, t.Name(), s)
	rng := rand.New(rand.NewPCG(s, 0))
	// rounds is also how many clients per endpoint and watchers per kind.
	keys, rounds := 3, 1
	if *long {
		keys, rounds = 8, 3
	}

	// The replicas never compact etcd themselves (the test compacts as a
	// fault) and compare their watch caches with etcd every 5 s. They
	// store JSON until the storage migration fault changes it.
	ha := testutil.StartHA(t, "--etcd-compaction-interval=0", "--watch-cache-consistency-check-period=5s",
		"--storage-media-type=application/json", "--storage-migration-lease-duration=3s")
	etcd := testutil.EtcdClient(t, ha)
	peers := routePeersThroughProxies(t, ha)
	cutOff := cutOffFromEtcd(t, ha, ha.Replicas[1])
	ctx := context.Background()

	// etcd's own history of the CronTabs, from now on.
	const namespace = "default"
	var names []string
	for i := range keys {
		names = append(names, fmt.Sprintf("k%d", i))
	}
	history := rob.NewHistory()
	run, err := rob.Begin(ctx, etcd, "/extension-apiserver/stable.example.com/crontabs/"+namespace+"/", history, namespace, names)
	if err != nil {
		t.Fatal(err)
	}
	rec := run.Recorder

	// Objects no client writes, so that the storage migration has some to
	// rewrite; lists and watches see them too.
	seeder := clientset.NewForConfigOrDie(testutil.ReplicaConfig(t, ha.Replicas[0]))
	for i := range 10 {
		testutil.CreateCronTabIn(t, seeder, namespace, fmt.Sprintf("cold-%d", i), "cold")
	}

	endpoints := endpointsOf(t, ha)
	for i := range len(endpoints) * rounds {
		clientRNG := rand.New(rand.NewPCG(s, uint64(i+1)))
		run.Client(func(ctx context.Context) { rec.Run(ctx, i, endpoints[i%len(endpoints)], clientRNG) })
	}
	for i, spec := range rob.WatchKinds {
		for j := range rounds {
			ep := endpoints[(i+j)%len(endpoints)]
			run.Watcher(func(ctx context.Context) { rec.Watch(ctx, i*rounds+j, ep, spec) })
		}
	}

	// The same reads and one watch through a proxy that lies once each.
	liar := startLiar(t, testutil.ReplicaConfig(t, ha.Replicas[0]))
	lied := rob.NewRecorder(history.Fork(), namespace, names)
	liarEndpoint := rob.Endpoint{Name: "liar", Client: clientset.NewForConfigOrDie(liar.config())}
	liarRNG := rand.New(rand.NewPCG(s, 1000))
	run.Client(func(ctx context.Context) { lied.Read(ctx, 100, liarEndpoint, liarRNG) })
	run.Watcher(func(ctx context.Context) { lied.Watch(ctx, 100, liarEndpoint, rob.WatchSpec{}) })

	f := &faults{t: t, ha: ha, etcd: etcd, rec: rec, stored: run.Stored, cutOff: cutOff, peers: peers}
	f.flowing()
	// Per fault: how often injected, and the longest time until writes
	// flowed again after it began.
	injected, recovery := map[string]int{}, map[string]time.Duration{}
	faultsFrom := time.Now()
	for round := 0; round == 0 || *long && time.Since(faultsFrom) < *duration; round++ {
		for _, i := range rng.Perm(len(f.all())) {
			fault := f.all()[i]
			began := time.Now()
			fault.inject()
			f.flowing()
			injected[fault.name]++
			recovery[fault.name] = max(recovery[fault.name], time.Since(began))
		}
	}
	persisted, err := run.Finish(ctx)
	if err != nil {
		t.Fatal(err)
	}

	recorded := history.Recorded()
	report := rob.Check(recorded, persisted, 2*time.Minute)
	t.Log(report.Summary())
	t.Logf("calls of unknown outcome by error: %v", rec.Errors())
	for name, n := range injected {
		t.Logf("fault: %s; injected %dx, writes flowing again at most %.1fs after it began", name, n, recovery[name].Seconds())
	}
	if len(report.Failures) > 0 {
		for _, failure := range report.Failures {
			t.Error(failure)
		}
		dir, err := report.Save(artifactName(t, "history"), recorded, persisted)
		t.Errorf("the history and its failures are in %s (%v)", dir, err)
	}
	checkCacheConsistency(t, ha)

	// The checker caught what the lying proxy did: with the history above
	// clean, every failure now is the liar's.
	if len(report.Failures) > 0 {
		return
	}
	droppedEvent, staleGet := liar.lies()
	if droppedEvent == "" || staleGet == "" {
		t.Fatalf("the liar did not get to lie: dropped event %q, stale get of %q", droppedEvent, staleGet)
	}
	withLies := rob.Check(recorded.Merge(lied.History.Recorded()), persisted, 2*time.Minute)
	var caughtWatch, caughtRead bool
	for _, failure := range withLies.Failures {
		caughtWatch = caughtWatch || failure.Kind == "watch" && strings.Contains(failure.Detail, "via liar") && strings.Contains(failure.Detail, "delivered")
		caughtRead = caughtRead || failure.Kind == "linearizability"
	}
	if !caughtWatch || !caughtRead {
		t.Errorf("the checker missed a lie: the dropped watch event %v (%s), the stale read %v (%s); it found %v",
			caughtWatch, droppedEvent, caughtRead, staleGet, withLies.Failures)
		_, _ = withLies.Save(artifactName(t, "liar"), recorded.Merge(lied.History.Recorded()), persisted)
		return
	}
	t.Logf("the lying proxy dropped a watch event and served a stale get; the checker caught both: %v", withLies.Failures)
}

// endpointsOf is each replica in JSON and in protobuf.
func endpointsOf(t *testing.T, ha *localcluster.HA) []rob.Endpoint {
	var endpoints []rob.Endpoint
	for _, r := range ha.Replicas {
		for _, contentType := range []string{"application/json", "application/vnd.kubernetes.protobuf"} {
			config := testutil.ReplicaConfig(t, r)
			config.ContentType = contentType
			config.AcceptContentTypes = contentType
			name := r.Name + "/" + strings.TrimPrefix(contentType, "application/")
			endpoints = append(endpoints, rob.Endpoint{Name: name, Client: clientset.NewForConfigOrDie(config)})
		}
	}
	return endpoints
}

// artifactName names a failing run's directory under _output/robustness.
func artifactName(t *testing.T, what string) string {
	return t.Name() + "-" + what + "-" + time.Now().Format("20060102-150405")
}

// checkCacheConsistency: k8s.io/apiserver compared each replica's watch
// cache of CronTabs with etcd, and never found them apart.
func checkCacheConsistency(t *testing.T, ha *localcluster.HA) {
	t.Helper()
	for _, r := range ha.Replicas {
		client := clientset.NewForConfigOrDie(testutil.ReplicaConfig(t, r)).Discovery().RESTClient()
		var success, failure float64
		testutil.WaitForNoError(t, time.Minute, r.Name+"'s watch cache consistency check", func(ctx context.Context) error {
			var err error
			success, failure, err = consistencyChecks(ctx, client)
			if err == nil && success == 0 {
				err = fmt.Errorf("no check has passed yet")
			}
			return err
		})
		if failure != 0 {
			t.Errorf("%s: %v watch cache consistency checks of crontabs failed (apiserver_storage_consistency_checks_total)", r.Name, failure)
		}
		t.Logf("%s: watch cache of crontabs matched etcd in %v checks, failed in %v", r.Name, success, failure)
	}
}

func consistencyChecks(ctx context.Context, client rest.Interface) (success, failure float64, err error) {
	body, err := client.Get().AbsPath("/metrics").DoRaw(ctx)
	if err != nil {
		return 0, 0, err
	}
	metrics, err := promtext.Parse(body)
	if err != nil {
		return 0, 0, err
	}
	const name = "apiserver_storage_consistency_checks_total"
	return metrics.Sum(name, map[string]string{"resource": "crontabs", "status": "success"}),
		metrics.Sum(name, map[string]string{"resource": "crontabs", "status": "failure"}), nil
}
