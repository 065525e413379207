package e2e

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/example/extension-apiserver/internal/localcluster"
	"github.com/example/extension-apiserver/internal/testutil"
	clientset "github.com/example/extension-apiserver/pkg/generated/clientset/versioned"
)

// TestRolloutBehindTheAggregator replaces the extension API server as a
// rolling update does while clients write through kube-apiserver: the
// replacement authenticates its very first requests, the old server keeps
// serving what the aggregator sends it until routing moves away, no request
// fails, and every acknowledged write is stored.
func TestRolloutBehindTheAggregator(t *testing.T) {
	c := ownCluster(t)
	ctx := context.Background()
	config, err := clientcmd.BuildConfigFromFlags("", c.AdminKubeconfig())
	if err != nil {
		t.Fatal(err)
	}
	config.QPS, config.Burst = 200, 400
	crontabs := clientset.NewForConfigOrDie(config).StableV1().CronTabs("default")

	type write struct {
		sent, answered time.Time
		err            error
	}
	// Objects of an earlier run may still be held by their finalizer.
	run := fmt.Sprintf("rollout-%x", time.Now().UnixNano())
	byRun := metav1.ListOptions{LabelSelector: "e2e-run=" + run}
	var mu sync.Mutex
	writes := map[string]write{}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	stopWriters := sync.OnceFunc(func() { close(stop); wg.Wait() })
	defer stopWriters()
	for w := range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				name := fmt.Sprintf("%s-%d-%d", run, w, i)
				ct := crontabWith(name, "busybox", 1)
				ct.Labels = map[string]string{"e2e-run": run}
				sent := time.Now()
				_, err := crontabs.Create(ctx, ct, metav1.CreateOptions{})
				mu.Lock()
				writes[name] = write{sent: sent, answered: time.Now(), err: err}
				mu.Unlock()
			}
		})
	}
	defer func() {
		_ = crontabs.DeleteCollection(ctx, metav1.DeleteOptions{}, byRun)
	}()
	acknowledgedAfter := func(at time.Time) int {
		mu.Lock()
		defer mu.Unlock()
		n := 0
		for _, w := range writes {
			if w.err == nil && w.sent.After(at) {
				n++
			}
		}
		return n
	}
	testutil.WaitFor(t, 30*time.Second, "writes before the rollout", func(context.Context) (bool, error) {
		return acknowledgedAfter(time.Time{}) >= 20, nil
	})

	replacement, err := c.StartReplacement(ctx)
	if err != nil {
		t.Fatal(err)
	}
	answers := c.probeUntilReady(t, replacement)
	t.Logf("the replacement answered before it was ready: %v", answers)
	if answers[http.StatusUnauthorized]+answers[http.StatusForbidden] > 0 {
		t.Errorf("the replacement refused valid credentials before it was ready: %v", answers)
	}

	handover, err := c.HandOver(ctx, replacement, localcluster.ShutdownDelay/2)
	if err != nil {
		t.Fatal(err)
	}
	testutil.WaitFor(t, 30*time.Second, "writes to the replacement", func(context.Context) (bool, error) {
		return acknowledgedAfter(handover.Exited) >= 20, nil
	})
	stopWriters()

	// A signal takes a moment to arrive; what was sent later and before
	// rerouting could only reach the old server, terminating.
	toTerminating, failed := 0, 0
	for name, w := range writes {
		switch {
		case w.err != nil:
			if failed++; failed <= 5 {
				t.Errorf("create %s sent %v after the SIGTERM failed: %v", name, w.sent.Sub(handover.Terminated).Round(time.Millisecond), w.err)
			}
		case w.sent.After(handover.Terminated.Add(100*time.Millisecond)) && w.answered.Before(handover.Rerouting):
			toTerminating++
		}
	}
	if toTerminating == 0 {
		t.Errorf("no write was acknowledged between the SIGTERM and rerouting (%v): the shutdown delay served nothing",
			handover.Rerouting.Sub(handover.Terminated))
	}
	stored, err := crontabs.List(ctx, byRun)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, ct := range stored.Items {
		names[ct.Name] = true
	}
	for name, w := range writes {
		if w.err == nil && !names[name] {
			t.Errorf("acknowledged %s is not stored", name)
		}
	}
	if failed > 0 {
		t.Errorf("%d of %d creates failed", failed, len(writes))
	}
	t.Logf("rollout under load: %d creates, %d failed, %d acknowledged by the terminating server; old server exited %v after SIGTERM",
		len(writes), failed, toTerminating, handover.Exited.Sub(handover.Terminated).Round(time.Millisecond))
}

// probeUntilReady lists CronTabs on the replacement, directly, as the
// aggregator and as an admin, from the moment it listens until /readyz
// answers 200, and counts the answers by status code.
func (c *testCluster) probeUntilReady(t *testing.T, r *localcluster.Replacement) map[int]int {
	t.Helper()
	frontProxy := c.clientCertificate(t, "front-proxy-ca", "front-proxy-client")
	admin, err := tls.LoadX509KeyPair(filepath.Join(c.CertsDir(), "admin.crt"), filepath.Join(c.CertsDir(), "admin.key"))
	if err != nil {
		t.Fatal(err)
	}
	asFrontProxy, asAdmin := c.certificateClient(t, frontProxy), c.certificateClient(t, admin)
	answers := map[int]int{}
	get := func(client *http.Client, path string, header http.Header) int {
		req, err := http.NewRequest(http.MethodGet, r.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header = header
		resp, err := client.Do(req)
		if err != nil {
			return 0 // not listening yet
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	const list = "/apis/stable.example.com/v1/namespaces/default/crontabs?limit=1"
	// Sampled every 20 ms until the replacement is ready: each sample also
	// counts how the old and new servers answer meanwhile.
	err = testutil.PollEvery(context.Background(), 20*time.Millisecond, 2*time.Minute, func(context.Context) (bool, error) {
		for _, code := range []int{
			get(asFrontProxy, list, http.Header{"X-Remote-User": {"local-admin"}, "X-Remote-Group": {"system:masters"}}),
			get(asAdmin, list, http.Header{}),
		} {
			if code != 0 {
				answers[code]++
			}
		}
		return get(asAdmin, "/readyz", http.Header{}) == http.StatusOK, nil
	})
	if err != nil {
		t.Fatalf("the replacement was not ready within 2 minutes; it answered %v", answers)
	}
	return answers
}

// certificateClient talks to the extension server directly, trusting its
// serving CA and presenting certs.
func (c *testCluster) certificateClient(t *testing.T, certs ...tls.Certificate) *http.Client {
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: c.servingRoots(t), Certificates: certs, MinVersion: tls.VersionTLS12}}}
}
