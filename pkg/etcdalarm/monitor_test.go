package etcdalarm

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.etcd.io/etcd/client/pkg/v3/transport"
	clientv3 "go.etcd.io/etcd/client/v3"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/example/extension-apiserver/pkg/embedded"
)

// TestMonitorFollowsNoSpace fills a real etcd with a 2 MiB quota: the
// refused put is recognised, the monitor names the alarm and its member on
// /storagez, and clears it once the alarm is disarmed.
func TestMonitorFollowsNoSpace(t *testing.T) {
	dir := t.TempDir()
	pki := embedded.LocalPKI{Dir: filepath.Join(dir, "pki")}
	if _, err := pki.Ensure(nil, nil); err != nil {
		t.Fatal(err)
	}
	etcd, err := embedded.StartEtcd(context.Background(), embedded.EtcdConfig{DataDir: filepath.Join(dir, "data"), QuotaBytes: 2 << 20,
		CertFile: pki.File("etcd-server", ".crt"), KeyFile: pki.File("etcd-server", ".key"), TrustedCAFile: pki.CAFile()})
	if err != nil {
		t.Fatal(err)
	}
	defer etcd.Stop()
	tlsConfig, err := transport.TLSInfo{CertFile: pki.File("etcd-client", ".crt"), KeyFile: pki.File("etcd-client", ".key"), TrustedCAFile: pki.CAFile()}.ClientConfig()
	if err != nil {
		t.Fatal(err)
	}
	client, err := clientv3.New(clientv3.Config{Endpoints: []string{etcd.ClientURL}, TLS: tlsConfig, DialTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	ctx := context.Background()
	monitor := NewMonitor(client, time.Hour) // polled by hand below
	storagez := func() (int, string) {
		rec := httptest.NewRecorder()
		monitor.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/storagez", nil))
		return rec.Code, rec.Body.String()
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
	if code, body := storagez(); code != http.StatusServiceUnavailable || !strings.Contains(body, "NOSPACE alarm raised on member(s) ") || strings.Contains(body, "unknown") {
		t.Errorf("/storagez with the alarm raised: %d %s", code, body)
	}

	if _, err := client.AlarmDisarm(ctx, &clientv3.AlarmMember{}); err != nil {
		t.Fatal(err)
	}
	monitor.poll(ctx)
	if code, body := storagez(); code != http.StatusOK {
		t.Errorf("/storagez after the alarm was disarmed: %d %s", code, body)
	}
}
