package e2e

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"

	rob "github.com/example/extension-apiserver/internal/robustness"
	"github.com/example/extension-apiserver/internal/testutil"
	"github.com/example/extension-apiserver/pkg/admission/plugin/crontabcleanup"
	clientset "github.com/example/extension-apiserver/pkg/generated/clientset/versioned"
)

// TestConsistencyThroughTheAggregator records what clients see through
// kube-apiserver's proxy to the server (JSON and protobuf; every kind of
// watcher) and checks it as test/robustness does on the HA topology: the
// aggregation hop must neither reorder, drop nor serve stale answers. No
// fault: the cluster is shared. The model is an object without finalizers,
// so the namespace opts out of CronTabCleanup's; the CronTab controller
// may still write status, leaving the image as it was.
func TestConsistencyThroughTheAggregator(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	namespace := shared.namespace(t)
	ctx := context.Background()
	shared.kubectl(t, "annotate", "namespace", namespace, crontabcleanup.SkipAnnotation+"=true")
	admin := shared.adminClientset(t)
	testutil.WaitForNoError(t, time.Minute, "the server to see the namespace opt out of the cleanup finalizer", func(ctx context.Context) error {
		probe, err := admin.StableV1().CronTabs(namespace).Create(ctx, crontabWith("probe", "probe", 1), metav1.CreateOptions{})
		if err != nil {
			return err
		}
		if err := admin.StableV1().CronTabs(namespace).Delete(ctx, "probe", metav1.DeleteOptions{}); err != nil {
			return err
		}
		if len(probe.Finalizers) > 0 {
			return fmt.Errorf("a new CronTab still gets %v", probe.Finalizers)
		}
		return nil
	})
	etcd, err := clientv3.New(clientv3.Config{Endpoints: []string{shared.EtcdURL}, DialTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer etcd.Close()
	keys := []string{"k0", "k1", "k2"}
	run, err := rob.Begin(ctx, etcd, "/extension-apiserver/stable.example.com/crontabs/"+namespace+"/", rob.NewHistory(), namespace, keys)
	if err != nil {
		t.Fatal(err)
	}
	rec := run.Recorder
	var endpoints []rob.Endpoint
	for _, contentType := range []string{"application/json", "application/vnd.kubernetes.protobuf"} {
		config, err := clientcmd.BuildConfigFromFlags("", shared.AdminKubeconfig())
		if err != nil {
			t.Fatal(err)
		}
		config.QPS, config.Burst = 50, 100
		config.ContentType, config.AcceptContentTypes = contentType, contentType
		endpoints = append(endpoints, rob.Endpoint{Name: "kube-apiserver/" + contentType, Client: clientset.NewForConfigOrDie(config)})
	}
	for i := range 4 {
		rng := rand.New(rand.NewPCG(seed, uint64(i)))
		run.Client(func(ctx context.Context) { rec.Run(ctx, i, endpoints[i%2], rng) })
	}
	for i, spec := range rob.WatchKinds {
		run.Watcher(func(ctx context.Context) { rec.Watch(ctx, i, endpoints[i%2], spec) })
	}
	// Until enough calls were answered to contend on every key.
	testutil.WaitFor(t, 2*time.Minute, "600 answered calls", func(context.Context) (bool, error) {
		answered, _ := rec.Outcomes("")
		return answered >= 600, nil
	})
	persisted, err := run.Finish(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rec.History.Rewriting(rob.Window{From: 0, To: rec.History.Now()}) // the controller, any time
	recorded := rec.History.Recorded()
	report := rob.Check(recorded, persisted, time.Minute)
	t.Log(report.Summary())
	if len(report.Failures) > 0 {
		for _, f := range report.Failures {
			t.Error(f)
		}
		dir, err := report.Save(fmt.Sprintf("%s-%d", t.Name(), seed), recorded, persisted)
		t.Errorf("the history and its failures are in %s (%v)", dir, err)
	}
	if report.WatchEvents == 0 || report.Lists == 0 {
		t.Errorf("nothing to check: %d watch events, %d lists", report.WatchEvents, report.Lists)
	}
}
