package operations

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"

	stablev1 "github.com/example/extension-apiserver/pkg/apis/stable/v1"
	wardlev1beta1 "github.com/example/extension-apiserver/pkg/apis/wardle/v1beta1"
	clientset "github.com/example/extension-apiserver/pkg/generated/clientset/versioned"

	"github.com/example/extension-apiserver/internal/testutil"
)

var backupFile = regexp.MustCompile(`backup: (\S+\.db) \((\d+) bytes, (\d+) ms\)`)

// TestStandaloneBackupAndRestore is the runbook's standalone backup and
// restore (make backup, make restore SNAPSHOT=...): the restored server
// serves the snapshot's objects unchanged, not what was written after it,
// and every resourceVersion it serves is above any it served before, so a
// client resuming a watch from before the restore gets 410 Gone.
func TestStandaloneBackupAndRestore(t *testing.T) {
	localDir := t.TempDir()
	s := startStandalone(t, localDir)
	ctx := context.Background()

	for i := range 20 {
		testutil.CreateCronTab(t, s.client, fmt.Sprintf("before-%02d", i), "image-before")
	}
	if _, err := s.client.WardleV1beta1().Flunders("default").Create(ctx, &wardlev1beta1.Flunder{ObjectMeta: metav1.ObjectMeta{Name: "before"},
		Spec: wardlev1beta1.FlunderSpec{FlunderReference: "ref", ReferenceType: wardlev1beta1.FlunderReferenceType}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	atBackup := cronTabsByName(t, s.client)

	out, err := etcdOps("--standalone", localDir, "backup", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	m := backupFile.FindStringSubmatch(out)
	if m == nil || !strings.Contains(out, "REVISION") || !strings.Contains(out, "TOTAL KEYS") {
		t.Fatalf("backup did not report a verified snapshot (hash, revision, keys):\n%s", out)
	}
	snapshot := m[1]
	t.Logf("snapshot of %d objects: %s bytes in %s ms", len(atBackup)+1, m[2], m[3])

	// Written after the snapshot: lost by the restore, as a restore means.
	testutil.CreateCronTab(t, s.client, "after", "image-after")
	if _, err := s.client.StableV1().CronTabs("default").Patch(ctx, "before-00", "application/merge-patch+json",
		[]byte(`{"spec":{"image":"image-changed"}}`), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := s.client.StableV1().CronTabs("default").Delete(ctx, "before-01", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	list, err := s.client.StableV1().CronTabs("default").List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	newestBefore := resourceVersion(t, list.ResourceVersion)

	// The restore refuses while the server runs, and says what to stop.
	if out, err := etcdOps("--standalone", localDir, "restore", snapshot); err == nil || !strings.Contains(out, "stop it first") {
		t.Fatalf("restore while the server runs: %v\n%s", err, out)
	}
	s.stop()
	start := time.Now()
	if out, err := etcdOps("--standalone", localDir, "restore", snapshot); err != nil {
		t.Fatal(err)
	} else {
		t.Logf("restore took %.1fs:\n%s", time.Since(start).Seconds(), out)
	}
	s = startStandalone(t, localDir)

	restored := cronTabsByName(t, s.client)
	if len(restored) != len(atBackup) {
		t.Errorf("%d CronTabs after the restore; the snapshot held %d", len(restored), len(atBackup))
	}
	for name, ct := range atBackup {
		got, ok := restored[name]
		if !ok || got.Spec.Image != ct.Spec.Image || got.ResourceVersion != ct.ResourceVersion || got.UID != ct.UID {
			t.Errorf("%s: restored %+v; the snapshot held image %q at resourceVersion %s", name, got.ObjectMeta, ct.Spec.Image, ct.ResourceVersion)
		}
	}
	if _, err := s.client.WardleV1beta1().Flunders("default").Get(ctx, "before", metav1.GetOptions{}); err != nil {
		t.Errorf("the Flunder of the snapshot: %v", err)
	}

	// New resourceVersions are above every one served before the restore.
	created := testutil.CreateCronTab(t, s.client, "after-restore", "image-new")
	if rv := resourceVersion(t, created.ResourceVersion); rv <= newestBefore {
		t.Errorf("a write after the restore got resourceVersion %d; before the restore %d was served", rv, newestBefore)
	}
	// A watch from before the restore cannot resume: 410 Gone, so the
	// client relists instead of missing what the restore undid.
	if err := watchFrom(ctx, s.client, newestBefore); !apierrors.IsResourceExpired(err) && !apierrors.IsGone(err) {
		t.Errorf("a watch from resourceVersion %d (before the restore): %v; want 410 Gone", newestBefore, err)
	}
	if code, body, err := s.get(ctx, "/readyz"); err != nil || code != http.StatusOK {
		t.Errorf("/readyz after the restore: %d %s %v", code, body, err)
	}
}

// watchFrom starts a CronTab watch at rv and returns the error it ends with:
// the server answers an expired resourceVersion with an ERROR event.
func watchFrom(ctx context.Context, cs clientset.Interface, rv uint64) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	w, err := cs.StableV1().CronTabs("default").Watch(ctx, metav1.ListOptions{ResourceVersion: strconv.FormatUint(rv, 10)})
	if err != nil {
		return err
	}
	defer w.Stop()
	for e := range w.ResultChan() {
		if e.Type == watch.Error {
			return apierrors.FromObject(e.Object)
		}
		return fmt.Errorf("a %s event of resourceVersion %s", e.Type, e.Object.(metav1.Object).GetResourceVersion())
	}
	return fmt.Errorf("the watch ended without an event")
}

func cronTabsByName(t *testing.T, cs clientset.Interface) map[string]stablev1.CronTab {
	t.Helper()
	list, err := cs.StableV1().CronTabs("default").List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]stablev1.CronTab{}
	for _, ct := range list.Items {
		byName[ct.Name] = ct
	}
	return byName
}

func resourceVersion(t *testing.T, rv string) uint64 {
	t.Helper()
	n, err := strconv.ParseUint(rv, 10, 64)
	if err != nil {
		t.Fatalf("resourceVersion %q: %v", rv, err)
	}
	return n
}
