package operations

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	stablev1 "github.com/example/extension-apiserver/pkg/apis/stable/v1"
)

var scaleObjects = flag.Int("scale-objects", 2000, "CronTabs TestBackupAndRestoreTimes writes before it backs up and restores (docs/operations.md#sizing gives 10,000 and 100,000)")

// TestBackupAndRestoreTimes measures the runbook's standalone backup and
// restore with -scale-objects CronTabs: the snapshot's size and time, the
// restore's time, and the restarted server's time to ready and to list
// every object.
func TestBackupAndRestoreTimes(t *testing.T) {
	localDir := t.TempDir()
	s := startStandalone(t, localDir)
	ctx := context.Background()
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for w := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			crontabs := s.client.StableV1().CronTabs(fmt.Sprintf("ns-%d", w%4))
			for i := w; i < *scaleObjects; i += 16 {
				if _, err := crontabs.Create(ctx, &stablev1.CronTab{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("crontab-%07d", i),
					Labels: map[string]string{"app": "scale", "shard": fmt.Sprint(i % 10)}},
					Spec: stablev1.CronTabSpec{CronSpec: "*/5 * * * *", Image: "registry.example.com/batch/job:" + strings.Repeat("v", 8), Replicas: ptr.To[int32](1)}},
					metav1.CreateOptions{}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	t.Logf("%d CronTabs written in %.1fs", *scaleObjects, time.Since(start).Seconds())

	out, err := etcdOps("--standalone", localDir, "backup", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	m := backupFile.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no verified snapshot:\n%s", out)
	}
	s.stop()
	start = time.Now()
	if _, err := etcdOps("--standalone", localDir, "restore", m[1]); err != nil {
		t.Fatal(err)
	}
	restore := time.Since(start)
	start = time.Now()
	s = startStandalone(t, localDir)
	ready := time.Since(start)
	list, err := s.client.StableV1().CronTabs("").List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != *scaleObjects {
		t.Fatalf("%d CronTabs after the restore; %d were backed up", len(list.Items), *scaleObjects)
	}
	t.Logf("%d objects: snapshot %s bytes (%.0f per object), backup with its verification %s ms; restore %.1fs; restarted server ready %.1fs, all listed %.1fs",
		*scaleObjects, m[2], float64(atoi(t, m[2]))/float64(*scaleObjects), m[3], restore.Seconds(), ready.Seconds(), time.Since(start).Seconds())
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	var n int
	if _, err := fmt.Sscan(s, &n); err != nil {
		t.Fatal(err)
	}
	return n
}
