package etcdalarm

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	metricstestutil "k8s.io/component-base/metrics/testutil"

	"github.com/example/extension-apiserver/internal/testutil"
)

// TestMonitorFollowsNoSpace fills one of two real etcd clusters, the one
// with a 2 MiB quota: the refused put is recognised, /storagez names the
// alarm, its member and its cluster, the gauge rises for that cluster only,
// and both clear once the alarm is disarmed.
func TestMonitorFollowsNoSpace(t *testing.T) {
	etcds := testutil.NewTLSEtcds(t)
	mainURL, mainClient := etcds.Start("main", 0)
	url, client := etcds.Start("small", 2<<20)
	ctx := context.Background()
	// Polled by hand below.
	mainMonitor, monitor := NewMonitor("main", mainClient, time.Hour), NewMonitor("override-0", client, time.Hour)
	monitors := NewMonitors()
	monitors.Add([]string{mainURL}, mainMonitor)
	monitors.Add([]string{url}, monitor)
	if found, err := monitors.For([]string{url}); err != nil || found != monitor {
		t.Fatalf("the monitor of %s: %v, %v", url, found, err)
	}
	storagez := func() (int, string) {
		rec := httptest.NewRecorder()
		monitors.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/storagez", nil))
		return rec.Code, rec.Body.String()
	}
	gauge := func(cluster string) float64 {
		v, err := metricstestutil.GetGaugeMetricValue(alarmGauge.WithLabelValues(cluster, "NOSPACE"))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if code, body := storagez(); code != http.StatusOK {
		t.Fatalf("/storagez before any alarm: %d %s", code, body)
	}

	value := strings.Repeat("x", 100_000)
	var refused error
	for i := 0; refused == nil; i++ {
		if i == 100 {
			t.Fatal("100 puts of 100 KB and no NOSPACE with a 2 MiB quota")
		}
		_, refused = client.Put(ctx, "/fill/"+string(rune('a'+i%26))+strings.Repeat("k", i), value)
	}
	if !IsNoSpace(refused) {
		t.Fatalf("the refused put: %v; IsNoSpace says no", refused)
	}
	status := NewInsufficientStorage(schema.GroupResource{Group: "stable.example.com", Resource: "crontabs"}, refused)
	if apierrors.ReasonForError(status) != ReasonInsufficientStorage || status.Status().Code != http.StatusInsufficientStorage {
		t.Errorf("the Status of a refused write: %+v", status.Status())
	}
	monitor.poll(ctx)
	mainMonitor.poll(ctx)
	if code, body := storagez(); code != http.StatusServiceUnavailable || !strings.Contains(body, "NOSPACE alarm raised on member(s) ") ||
		!strings.Contains(body, "of etcd cluster override-0 ") || strings.Contains(body, "cluster main") || strings.Contains(body, "unknown") {
		t.Errorf("/storagez with the alarm raised: %d %s", code, body)
	}
	if gauge("override-0") != 1 || gauge("main") != 0 {
		t.Errorf("the NOSPACE gauge with the override cluster full: override-0 %v, main %v; want 1, 0", gauge("override-0"), gauge("main"))
	}

	if _, err := client.AlarmDisarm(ctx, &clientv3.AlarmMember{}); err != nil {
		t.Fatal(err)
	}
	monitor.poll(ctx)
	if code, body := storagez(); code != http.StatusOK {
		t.Errorf("/storagez after the alarm was disarmed: %d %s", code, body)
	}
	if gauge("override-0") != 0 {
		t.Errorf("the NOSPACE gauge of override-0 after the alarm was disarmed: %v", gauge("override-0"))
	}
}
