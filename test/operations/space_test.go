package operations

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/utils/ptr"

	"github.com/example/extension-apiserver/internal/testutil"
	stablev1 "github.com/example/extension-apiserver/pkg/apis/stable/v1"
	"github.com/example/extension-apiserver/pkg/etcdalarm"
)

// spaceQuota is small enough to fill in seconds with objects of fillBytes.
const (
	spaceQuota = 16 << 20
	fillBytes  = 150_000
)

// TestSpaceQuota fills the embedded etcd to its quota: writes then answer a
// 507 Status naming the NOSPACE alarm, while reads, lists, watches and
// deletes keep working and the server stays ready; the alarm is named on
// /storagez, in a metric and in the log. The runbook's recover-space step
// brings writes back without a restart, and every acknowledged write is
// still there.
func TestSpaceQuota(t *testing.T) {
	s := startStandalone(t, "", fmt.Sprintf("--embedded-etcd-quota-backend-bytes=%d", spaceQuota))
	ctx := context.Background()
	crontabs := s.client.StableV1().CronTabs("default")
	w, err := crontabs.Watch(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	deletions := drainDeletions(w)

	fill := strings.Repeat("x", fillBytes)
	newCronTab := func(name string) *stablev1.CronTab {
		return &stablev1.CronTab{ObjectMeta: metav1.ObjectMeta{Name: name, Annotations: map[string]string{"fill": fill}},
			Spec: stablev1.CronTabSpec{CronSpec: "* * * * *", Image: "image-" + name, Replicas: ptr.To[int32](1)}}
	}
	var acknowledged []string
	var refused error
	for i := 0; refused == nil; i++ {
		if i == 2*spaceQuota/fillBytes {
			t.Fatalf("%d objects of %d bytes written and no write refused with a %d-byte quota", i, fillBytes, spaceQuota)
		}
		name := fmt.Sprintf("fill-%03d", i)
		if _, err := crontabs.Create(ctx, newCronTab(name), metav1.CreateOptions{}); err != nil {
			refused = err
		} else {
			acknowledged = append(acknowledged, name)
		}
	}
	refusedAt := time.Now()
	t.Logf("etcd's quota of %d bytes reached after %d objects of %d bytes; the client sees: %v", spaceQuota, len(acknowledged), fillBytes, refused)
	var status *apierrors.StatusError
	if !errors.As(refused, &status) || status.ErrStatus.Code != http.StatusInsufficientStorage ||
		status.ErrStatus.Reason != etcdalarm.ReasonInsufficientStorage || !strings.Contains(status.ErrStatus.Message, "NOSPACE") {
		t.Fatalf("the refused write answered %#v; want a 507 InsufficientStorage Status naming NOSPACE", refused)
	}
	// kubectl, as a user sees it.
	out, err := exec.Command("kubectl", "--kubeconfig", filepath.Join(s.localDir, "kubeconfig"), "annotate", "crontab", acknowledged[0], "touched=yes").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "Error from server (InsufficientStorage)") {
		t.Errorf("kubectl annotate with etcd full: %v, %s; want Error from server (InsufficientStorage)", err, out)
	}
	t.Logf("kubectl says: %s", strings.TrimSpace(string(out)))

	// The condition is visible: /storagez names the alarm and its member
	// once the monitor has polled, the metric is 1, the log says it.
	testutil.WaitForNoError(t, 30*time.Second, "/storagez to name the NOSPACE alarm and its member", func(ctx context.Context) error {
		code, body, err := s.get(ctx, "/storagez")
		if err != nil {
			return err
		}
		if code != http.StatusServiceUnavailable || !strings.Contains(body, "NOSPACE alarm raised on member(s)") || strings.Contains(body, "unknown") {
			return fmt.Errorf("/storagez: %d %s", code, body)
		}
		return nil
	})
	t.Logf("/storagez named the alarm and its member %.1fs after the first refused write", time.Since(refusedAt).Seconds())
	if code, body, err := s.get(ctx, "/readyz"); err != nil || code != http.StatusOK {
		t.Errorf("/readyz with etcd full: %d %s %v; want 200: reads still work", code, body, err)
	}
	if metric := alarmMetric(t, s); metric != "1" {
		t.Errorf(`extension_apiserver_etcd_alarm{alarm="NOSPACE",cluster="main"} is %q with etcd full; want 1`, metric)
	}
	if log := s.logText(); !strings.Contains(log, `"etcd raised an alarm" cluster="main" alarm="NOSPACE"`) {
		t.Errorf("the server's log does not name the NOSPACE alarm")
	}

	// Reads, lists and deletes work; the open watch sees the deletion.
	if _, err := crontabs.Get(ctx, acknowledged[0], metav1.GetOptions{}); err != nil {
		t.Errorf("get with etcd full: %v", err)
	}
	list, err := crontabs.List(ctx, metav1.ListOptions{})
	if err != nil || len(list.Items) != len(acknowledged) {
		t.Fatalf("list with etcd full: %v, %d items; want %d", err, len(list.Items), len(acknowledged))
	}
	deleted := acknowledged[len(acknowledged)-1]
	acknowledged = acknowledged[:len(acknowledged)-1]
	if err := crontabs.Delete(ctx, deleted, metav1.DeleteOptions{}); err != nil {
		t.Fatalf("delete with etcd full: %v", err)
	}
	select {
	case name, open := <-deletions:
		if !open || name != deleted {
			t.Fatalf("the watch opened before etcd filled up: deletion of %q (open %v); want %s", name, open, deleted)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("the watch opened before etcd filled up saw no deletion of %s within 30s", deleted)
	}

	// The runbook's recovery, without restarting the server.
	start := time.Now()
	recovery, err := etcdOps("--standalone", s.localDir, "recover-space")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("recover-space took %.1fs:\n%s", time.Since(start).Seconds(), recovery)
	testutil.WaitForNoError(t, time.Minute, "a write to succeed after the recovery", func(ctx context.Context) error {
		_, err := crontabs.Create(ctx, newCronTab("after-recovery"), metav1.CreateOptions{})
		return err
	})
	t.Logf("writes resumed %.1fs after the recovery began", time.Since(start).Seconds())
	acknowledged = append(acknowledged, "after-recovery")
	testutil.WaitForNoError(t, 30*time.Second, "/storagez to clear", func(ctx context.Context) error {
		if code, body, err := s.get(ctx, "/storagez"); err != nil || code != http.StatusOK {
			return fmt.Errorf("/storagez: %d %s %v", code, body, err)
		}
		return nil
	})
	t.Logf("/storagez cleared %.1fs after the recovery began", time.Since(start).Seconds())
	if metric := alarmMetric(t, s); metric != "0" {
		t.Errorf(`extension_apiserver_etcd_alarm{alarm="NOSPACE",cluster="main"} is %q after the recovery; want 0`, metric)
	}

	// Nothing acknowledged was lost, nothing deleted came back.
	list, err = crontabs.List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	present := map[string]string{}
	for _, ct := range list.Items {
		present[ct.Name] = ct.Spec.Image
	}
	for _, name := range acknowledged {
		if present[name] != "image-"+name {
			t.Errorf("acknowledged %s: image %q after the recovery", name, present[name])
		}
	}
	if _, ok := present[deleted]; ok || len(present) != len(acknowledged) {
		t.Errorf("after the recovery %d objects are listed; want the %d acknowledged", len(present), len(acknowledged))
	}
}

func alarmMetric(t *testing.T, s *standalone) string {
	t.Helper()
	_, body, err := s.get(context.Background(), "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(body, "\n") {
		if value, ok := strings.CutPrefix(line, `extension_apiserver_etcd_alarm{alarm="NOSPACE",cluster="main"} `); ok {
			return value
		}
	}
	return ""
}

// drainDeletions reads w as a client must (a watcher that stops reading is
// dropped by the server) and passes on the names of deleted objects.
func drainDeletions(w watch.Interface) <-chan string {
	deletions := make(chan string, 100)
	go func() {
		defer close(deletions)
		for e := range w.ResultChan() {
			if o, ok := e.Object.(metav1.Object); ok && e.Type == watch.Deleted {
				deletions <- o.GetName()
			}
		}
	}()
	return deletions
}
