package integration

import (
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"

	"github.com/example/extension-apiserver/internal/testutil"
	"github.com/example/extension-apiserver/test/integration/framework"
)

// streamReset stands for a request the server reset instead of answering.
const streamReset = -1

// TestEtcdOutage: with etcd gone the server is not ready but alive, and
// requests fail fast with a 5xx that says "unavailable", never a 500 or a
// hang; when etcd returns, service resumes by itself.
func TestEtcdOutage(t *testing.T) {
	etcd := framework.StartEtcd(t)
	s := framework.StartServer(t, framework.ServerConfig{Etcd: etcd, Args: []string{"--request-timeout=5s"}})
	ctx := context.Background()
	crontabs := s.Clientset(t).StableV1().CronTabs("default")
	if _, err := crontabs.Create(ctx, seedCronTab("before-outage"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	client, err := rest.HTTPClientFor(s.Config)
	if err != nil {
		t.Fatal(err)
	}
	client.Timeout = 30 * time.Second
	status := func(method, path string) (int, time.Duration) {
		start := time.Now()
		req, _ := http.NewRequest(method, s.URL+path, nil)
		resp, err := client.Do(req)
		if err != nil {
			// k8s.io/apiserver's timeout filter resets the stream when the
			// handler writes at the instant the request times out (an
			// upstream race); the client sees an error, not a 500 or a hang.
			t.Logf("%s %s: %v", method, path, err)
			return streamReset, time.Since(start)
		}
		resp.Body.Close()
		return resp.StatusCode, time.Since(start)
	}

	etcd.Stop()
	waitFor(t, "/readyz fails without etcd", func() (bool, error) {
		code, _ := status(http.MethodGet, "/readyz")
		return code != http.StatusOK, nil
	})
	if code, _ := status(http.MethodGet, "/livez"); code != http.StatusOK {
		t.Errorf("/livez without etcd: %d, want 200 (the process is fine; restarting it would not help)", code)
	}
	for _, path := range []string{
		"/apis/stable.example.com/v1/namespaces/default/crontabs/before-outage?resourceVersion=",
		"/apis/stable.example.com/v1/namespaces/default/crontabs?limit=10",
	} {
		code, took := status(http.MethodGet, path)
		t.Logf("GET %s during the outage: %d after %s", path, code, took.Round(time.Millisecond))
		if code != http.StatusOK && code != http.StatusServiceUnavailable && code != http.StatusGatewayTimeout && code != http.StatusTooManyRequests && code != streamReset {
			t.Errorf("GET %s without etcd: %d, want 503 or 504 (or 200 from the watch cache)", path, code)
		}
		if took > 8*time.Second {
			t.Errorf("GET %s took %s, past the 5s request timeout", path, took)
		}
	}
	_, err = crontabs.Create(ctx, seedCronTab("during-outage"), metav1.CreateOptions{})
	if status, ok := err.(interface{ Status() metav1.Status }); !ok || (status.Status().Code != http.StatusServiceUnavailable && status.Status().Code != http.StatusGatewayTimeout) {
		t.Errorf("a write without etcd: %v, want 503 or 504", err)
	}

	etcd.Restart(t)
	restarted := time.Now()
	if err := testutil.Poll(ctx, 90*time.Second, func(context.Context) (bool, error) {
		code, _ := status(http.MethodGet, "/readyz")
		return code == http.StatusOK, nil
	}); err != nil {
		req, _ := http.NewRequest(http.MethodGet, s.URL+"/readyz?verbose", nil)
		if resp, err := client.Do(req); err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			t.Fatalf("/readyz has not recovered 90s after etcd returned:\n%s", body)
		}
		t.Fatal("/readyz has not recovered 90s after etcd returned")
	}
	t.Logf("ready again %s after etcd returned", time.Since(restarted).Round(100*time.Millisecond))

	// Each resource's etcd client reconnects on its own backoff: service
	// resumes once they all have, without any action.
	testutil.WaitForNoError(t, 90*time.Second, "writes to resume after etcd returned", func(ctx context.Context) error {
		_, err := crontabs.Create(ctx, seedCronTab("after-outage"), metav1.CreateOptions{})
		if apierrors.IsAlreadyExists(err) {
			return nil // an earlier try was applied after its client gave up
		}
		return err
	})
	t.Logf("writes resumed %s after etcd returned", time.Since(restarted).Round(100*time.Millisecond))
	if _, err := crontabs.Get(ctx, "before-outage", metav1.GetOptions{}); err != nil {
		t.Errorf("data from before the outage: %v", err)
	}
}
