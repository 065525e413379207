package faults

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"

	"github.com/example/extension-apiserver/internal/localcluster"
	"github.com/example/extension-apiserver/internal/testutil"
	clientset "github.com/example/extension-apiserver/pkg/generated/clientset/versioned"
	"github.com/example/extension-apiserver/pkg/storagemigration"
)

const wardleGroup = "wardle.example.com"

// encryptedPrefix starts every value the replicas write with
// encryptionConfig.
const encryptedPrefix = "k8s:enc:aescbc:v1:key1:"

// TestSeparateEtcdClusters runs the HA topology with wardle.example.com on a
// 3-member etcd cluster of its own (--etcd-servers-overrides) and every
// object encrypted at rest. Writers of both groups run through both
// replicas while the whole wardle cluster is killed: CronTabs keep being
// written, readiness names the cluster that is down, and once it is back no
// acknowledged write of either group is lost. Then a storage version change
// migrates the Flunders in their cluster, each cluster is backed up and
// restored, and resourceVersions of neither group go back.
func TestSeparateEtcdClusters(t *testing.T) {
	ha := testutil.StartHAWith(t, localcluster.HAOptions{SeparateGroups: []string{wardleGroup}, ReplicaArgs: []string{
		"--encryption-provider-config=" + encryptionConfig(t),
		"--storage-versions=wardle.example.com=v1alpha1", "--storage-media-type=application/json"}})
	var replicas []clientset.Interface
	for _, r := range ha.Replicas {
		replicas = append(replicas, clientset.NewForConfigOrDie(testutil.ReplicaConfig(t, r)))
	}
	mainEtcd, wardleEtcd := testutil.EtcdClient(t, ha), testutil.EtcdClientOf(t, ha, ha.GroupMembers[wardleGroup])
	seedFlunders(t, replicas[0], 100)

	cronTabLoad := startLoad(t, replicas, 2, cronTabWriter, cronTabs)
	flunderLoad := startLoad(t, replicas, 2, flunderWriter, flunders)
	acknowledged := func(l *ledger, n int, what string) {
		before := l.snapshotAcks()
		testutil.WaitFor(t, 90*time.Second, fmt.Sprintf("%d more acknowledged %s writes", n, what), func(context.Context) (bool, error) {
			return l.snapshotAcks() >= before+n, nil
		})
	}
	acknowledged(cronTabLoad.ledger, 20, "CronTab")
	acknowledged(flunderLoad.ledger, 20, "Flunder")

	// The wardle cluster killed, every member.
	failures := flunderLoad.ledger.snapshotFailures()
	killed := time.Now()
	for _, m := range ha.GroupMembers[wardleGroup] {
		if err := ha.Kill(m); err != nil {
			t.Fatal(err)
		}
	}
	testutil.WaitFor(t, time.Minute, "Flunder writes to fail", func(context.Context) (bool, error) {
		return flunderLoad.ledger.snapshotFailures() >= failures+3, nil
	})
	acknowledged(cronTabLoad.ledger, 50, "CronTab")
	for _, r := range ha.Replicas {
		var body string
		testutil.WaitFor(t, time.Minute, r.Name+"'s /readyz to fail on the wardle cluster", func(context.Context) (bool, error) {
			var code int
			code, body = get(t, r, "/readyz?verbose")
			return code != http.StatusOK && code != 0, nil // healthz answers 500
		})
		if !strings.Contains(body, "[-]etcd-override-readiness-0 failed") || !strings.Contains(body, "[+]etcd-readiness ok") {
			t.Errorf("%s's /readyz with the wardle cluster down names the wrong check:\n%s", r.Name, body)
		}
	}
	restarted := time.Now()
	during := cronTabLoad.ledger.window(killed, restarted)
	for _, m := range ha.GroupMembers[wardleGroup] {
		if err := ha.Start(m); err != nil {
			t.Fatal(err)
		}
	}
	acknowledged(flunderLoad.ledger, 20, "Flunder")
	t.Logf("CronTab writes with the wardle cluster down (%.1fs): %s; Flunder writes flowing again %.1fs after its members restarted",
		restarted.Sub(killed).Seconds(), during, time.Since(restarted).Seconds())
	if during.failed > 0 {
		t.Errorf("CronTab writes failed with only the wardle cluster down: %s", during)
	}

	// A storage version change, replica by replica: the migration rewrites
	// the Flunders in the wardle cluster, through its own client of it.
	for _, r := range ha.Replicas {
		r.SetFlag("storage-versions", "wardle.example.com=v1beta1")
		r.SetFlag("storage-media-type", "application/vnd.kubernetes.protobuf")
		restartReplica(t, ha, r)
	}
	migrated := waitForMigration(t, replicas[0], "the Flunders to be migrated", func(s storagemigration.ResourceStatus) bool {
		return s.State == storagemigration.StateCurrent && s.Pending == 0 && s.Migrated > 0
	})
	t.Logf("the migration rewrote %d Flunders in the wardle cluster; census %v", migrated.Migrated, migrated.Stored)

	cronTabLoad.stopWriters()
	flunderLoad.stopWriters()
	for _, running := range []*load{cronTabLoad, flunderLoad} {
		running.waitForWatchers(t)
		running.stopWatchers()
		for i, w := range running.watchers {
			if w.backwards != 0 || w.events == 0 {
				t.Errorf("watcher of replica %d: %d events, %d relists, %d resourceVersions went backwards", i, w.events, w.relists, w.backwards)
			}
		}
	}
	for _, c := range []struct {
		what    string
		running *load
		target  ledgerTarget
	}{{"CronTab", cronTabLoad, cronTabsIn(mainEtcd, true)}, {"Flunder", flunderLoad, flundersIn(wardleEtcd, true)}} {
		l := c.running.ledger
		lost, inDoubt := checkLedger(t, l, replicas, c.target)
		t.Logf("%s writes attempted %d, acknowledged %d, failed (in doubt) %d, refused %d; objects in doubt %d; acknowledged writes lost %d",
			c.what, l.attempted, l.acknowledged, l.failed, l.refused, inDoubt, lost)
	}
	checkPlacement(t, mainEtcd, wardleEtcd)
	// Not needed past here; closed before the restores stop their members.
	_, _ = mainEtcd.Close(), wardleEtcd.Close()

	backupAndRestoreEach(t, ha, replicas)
}

// checkPlacement: each group's objects are in its cluster only, each value
// encrypted.
func checkPlacement(t *testing.T, mainEtcd, wardleEtcd *clientv3.Client) {
	t.Helper()
	for _, c := range []struct {
		name       string
		etcd       *clientv3.Client
		has, lacks string
	}{{"main", mainEtcd, cronTabKeys, flunderKeys}, {"wardle", wardleEtcd, flunderKeys, cronTabKeys}} {
		resp, err := c.etcd.Get(context.Background(), "/extension-apiserver/", clientv3.WithPrefix())
		if err != nil {
			t.Fatal(err)
		}
		has, plain := 0, 0
		for _, kv := range resp.Kvs {
			key := string(kv.Key)
			switch {
			case strings.HasPrefix(key, c.lacks):
				t.Errorf("the %s cluster holds %s", c.name, key)
			case strings.HasPrefix(key, c.has):
				has++
				if !strings.HasPrefix(string(kv.Value), encryptedPrefix) {
					plain++
				}
			}
		}
		if has == 0 || plain > 0 {
			t.Errorf("the %s cluster holds %d objects under %s, %d of them not encrypted", c.name, has, c.has, plain)
		}
		t.Logf("the %s cluster holds %d objects under %s, all encrypted", c.name, has, c.has)
	}
}

// backupAndRestoreEach backs up each cluster with the runbook's script,
// writes after the backups, restores each cluster with its revision bumped,
// and checks that both groups serve what their snapshot held and that new
// writes get resourceVersions above any served before the restore.
func backupAndRestoreEach(t *testing.T, ha *localcluster.HA, replicas []clientset.Interface) {
	t.Helper()
	ctx := context.Background()
	root, _ := filepath.Abs("../..")
	served := func() (map[string]string, uint64) {
		cronTabs, err := replicas[0].StableV1().CronTabs("default").List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		flunders, err := replicas[0].WardleV1beta1().Flunders("default").List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		state := map[string]string{}
		for _, ct := range cronTabs.Items {
			state["crontab/"+ct.Name] = ct.Spec.Image
		}
		for _, f := range flunders.Items {
			state["flunder/"+f.Name] = f.Spec.FlunderReference
		}
		a, _ := strconv.ParseUint(cronTabs.ResourceVersion, 10, 64)
		b, _ := strconv.ParseUint(flunders.ResourceVersion, 10, 64)
		return state, max(a, b)
	}
	atBackup, _ := served()
	snapshots := map[string]string{}
	for _, group := range []string{"", wardleGroup} {
		args := []string{"--ha", ha.Dir}
		if group != "" {
			args = append(args, "--group", group)
		}
		out, err := exec.Command(filepath.Join(root, "hack", "etcd-ops.sh"), append(args, "backup", t.TempDir())...).CombinedOutput()
		if err != nil {
			t.Fatalf("backup of the %q cluster: %v\n%s", group, err, out)
		}
		m := regexp.MustCompile(`backup: (\S+\.db) \((\d+) bytes`).FindSubmatch(out)
		if m == nil {
			t.Fatalf("backup of the %q cluster wrote no verified snapshot:\n%s", group, out)
		}
		snapshots[group] = string(m[1])
		t.Logf("snapshot of the %q cluster: %s bytes", group, m[2])
	}
	testutil.CreateCronTab(t, replicas[0], "after-the-backup", "image-after")
	seedAfter := replicas[1].WardleV1beta1().Flunders("default")
	if err := seedAfter.Delete(ctx, "seed-00000", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	_, newestBefore := served()

	for _, group := range []string{"", wardleGroup} {
		members, err := ha.Cluster(group)
		if err != nil {
			t.Fatal(err)
		}
		if err := ha.RestoreCluster(ctx, members, snapshots[group], localcluster.DefaultBumpRevision); err != nil {
			t.Fatalf("restoring the %q cluster: %v", group, err)
		}
	}
	restored, _ := served()
	if fmt.Sprint(restored) != fmt.Sprint(atBackup) {
		t.Errorf("after the restores both replicas should serve the snapshots' objects: %d served, %d at the backup", len(restored), len(atBackup))
	}
	created := testutil.CreateCronTab(t, replicas[1], "after-the-restore", "image-restored")
	flunder, err := replicas[0].WardleV1beta1().Flunders("default").Get(ctx, "seed-00001", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	flunder.Labels["restored"] = "true"
	if flunder, err = replicas[0].WardleV1beta1().Flunders("default").Update(ctx, flunder, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	for what, rv := range map[string]string{"CronTab": created.ResourceVersion, "Flunder": flunder.ResourceVersion} {
		if v, _ := strconv.ParseUint(rv, 10, 64); v <= newestBefore {
			t.Errorf("a %s written after the restore got resourceVersion %d, not above %d served before it", what, v, newestBefore)
		}
	}
}

// encryptionConfig encrypts every resource of the server with one aescbc
// key (as artifacts/deploy/encryption does).
func encryptionConfig(t *testing.T) string {
	t.Helper()
	config := `apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
- resources: ['*.stable.example.com', '*.wardle.example.com']
  providers:
  - aescbc:
      keys:
      - name: key1
        secret: c2VwYXJhdGUtZXRjZC1jbHVzdGVycy10ZXN0LWtleTE=
`
	path := filepath.Join(t.TempDir(), "encryption.yaml")
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// get is a GET of path on a replica as its admin.
func get(t *testing.T, r *localcluster.Process, path string) (int, string) {
	t.Helper()
	client, err := rest.HTTPClientFor(testutil.ReplicaConfig(t, r))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := client.Get(r.URL + path)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}
