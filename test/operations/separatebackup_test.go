package operations

import (
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/example/extension-apiserver/internal/testutil"
)

// TestBackupCronJobOfTheSeparateCluster renders the backup component with
// separate-etcd's and runs the job's commands against two real etcd
// clusters, the main one and the wardle one: every run keeps a verified
// snapshot of each cluster, at that cluster's revision and with its keys
// only, and RETAIN of each.
func TestBackupCronJobOfTheSeparateCluster(t *testing.T) {
	cronJob, _ := renderBackup(t, "artifacts/deploy/separate-etcd", "artifacts/deploy/separate-etcd/backup")
	pod := cronJob.Spec.JobTemplate.Spec.Template.Spec
	etcds := testutil.NewTLSEtcds(t)
	// Each cluster gets its own number of keys, to tell the snapshots apart.
	clusters := map[string]struct {
		url  string
		keys int
		rev  int64
	}{}
	for name, keys := range map[string]int{"main": 30, "wardle": 50} {
		url, client := etcds.Start(name, 0)
		var rev int64
		for i := range keys {
			resp, err := client.Put(context.Background(), fmt.Sprintf("/%s/%d", name, i), "x")
			if err != nil {
				t.Fatal(err)
			}
			rev = resp.Header.Revision
		}
		clusters[name] = struct {
			url  string
			keys int
			rev  int64
		}{url, keys, rev}
	}

	backupDir := t.TempDir()
	env := map[string]string{
		"BACKUP_DIR": backupDir, "SCRATCH_DIR": t.TempDir(), "RETAIN": "2",
		"ETCDCTL_ENDPOINTS": clusters["main"].url, "snapshot-wardle/ETCDCTL_ENDPOINTS": clusters["wardle"].url,
		"ETCDCTL_CACERT": etcds.PKI.CAFile(), "ETCDCTL_CERT": etcds.ClientCert(), "ETCDCTL_KEY": etcds.ClientKey(),
	}
	for i := range 3 {
		env["JOB_NAME"] = fmt.Sprintf("etcd-backup-2970001%d", i)
		if err := runJob(pod, env, nil); err != nil {
			t.Fatalf("job %s: %v", env["JOB_NAME"], err)
		}
	}
	for name, glob := range map[string]string{"main": "etcd-[0-9]*.db", "wardle": "etcd-wardle-[0-9]*.db"} {
		kept, _ := filepath.Glob(filepath.Join(backupDir, glob))
		if len(kept) != 2 {
			t.Errorf("the %s cluster: after 3 runs with RETAIN=2 kept %v", name, kept)
			continue
		}
		out, err := exec.Command(filepath.Join(root, "_output", "bin", "etcdutl"), "snapshot", "status", kept[1], "-w", "json").Output()
		if err != nil {
			t.Fatalf("%s: %v", kept[1], err)
		}
		var status struct {
			Revision int64 `json:"revision"`
			TotalKey int   `json:"totalKey"`
		}
		if err := json.Unmarshal(out, &status); err != nil {
			t.Fatalf("%s: %v: %s", kept[1], err, out)
		}
		if want := clusters[name]; status.Revision != want.rev || status.TotalKey != want.keys {
			t.Errorf("the %s cluster's newest snapshot %s: revision %d, %d keys; want %d, %d",
				name, filepath.Base(kept[1]), status.Revision, status.TotalKey, want.rev, want.keys)
		}
		t.Logf("the %s cluster: kept %s and %s", name, filepath.Base(kept[0]), filepath.Base(kept[1]))
	}
}
