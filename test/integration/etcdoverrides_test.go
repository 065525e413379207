package integration

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.etcd.io/etcd/api/v3/etcdserverpb"
	clientv3 "go.etcd.io/etcd/client/v3"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/rest"

	"github.com/example/extension-apiserver/internal/testutil"
	wardlev1beta1 "github.com/example/extension-apiserver/pkg/apis/wardle/v1beta1"
	"github.com/example/extension-apiserver/pkg/etcdalarm"
	"github.com/example/extension-apiserver/test/integration/framework"
)

// TestEtcdServersOverridesSplitTheGroups: with --etcd-servers-overrides,
// wardle.example.com lives on an etcd cluster of its own and
// stable.example.com on --etcd-servers: objects land where the flag says,
// watches and the storage migration's census work on each; a NOSPACE alarm
// on the wardle cluster refuses only flunder writes and is named; and with
// the wardle cluster down, readiness names its check while CronTabs are
// still served.
func TestEtcdServersOverridesSplitTheGroups(t *testing.T) {
	stableEtcd := framework.StartEtcd(t)
	wardleEtcd := stableEtcd.Another(t)
	s := framework.StartServer(t, framework.ServerConfig{Etcd: stableEtcd, Args: append([]string{
		"--etcd-servers-overrides=wardle.example.com/*#" + wardleEtcd.URL, "--request-timeout=5s"}, migrationArgs...)})
	ctx := context.Background()
	cs := s.Clientset(t)
	flunders := cs.WardleV1beta1().Flunders("default")
	watcher, err := flunders.Watch(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer watcher.Stop()
	if _, err := cs.StableV1().CronTabs("default").Create(ctx, seedCronTab("on-main"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := flunders.Create(ctx, &wardlev1beta1.Flunder{ObjectMeta: metav1.ObjectMeta{Name: "on-wardle"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	select {
	case ev := <-watcher.ResultChan():
		if ev.Type != watch.Added {
			t.Errorf("the watch of flunders got %s first, want ADDED", ev.Type)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the watch of flunders delivered nothing in 30s")
	}

	// Each key is in its own cluster and only there.
	for _, c := range []struct {
		etcd       *framework.Etcd
		has, lacks string
	}{
		{stableEtcd, "/extension-apiserver/stable.example.com/crontabs/default/on-main", "/extension-apiserver/wardle.example.com/flunders/default/on-wardle"},
		{wardleEtcd, "/extension-apiserver/wardle.example.com/flunders/default/on-wardle", "/extension-apiserver/stable.example.com/crontabs/default/on-main"},
	} {
		client := c.etcd.Client(t)
		for key, want := range map[string]int64{c.has: 1, c.lacks: 0} {
			resp, err := client.Get(ctx, key, clientv3.WithCountOnly())
			if err != nil {
				t.Fatal(err)
			}
			if resp.Count != want {
				t.Errorf("etcd at %s holds %d of %s, want %d", c.etcd.URL, resp.Count, key, want)
			}
		}
	}

	// The migration counts each resource's objects in the cluster they are
	// in: asked for a pass, it finds the Flunder (reading the main cluster,
	// it would find none).
	migrationStatus(t, s, http.MethodPost)
	testutil.WaitFor(t, time.Minute, "the migration's census to count the Flunder", func(context.Context) (bool, error) {
		for _, r := range migrationStatus(t, s, http.MethodGet).Resources {
			if r.Resource == "flunders.wardle.example.com" {
				return len(r.Stored) > 0, nil
			}
		}
		return false, nil
	})

	client, err := rest.HTTPClientFor(s.Config)
	if err != nil {
		t.Fatal(err)
	}
	get := func(path string) (int, string) {
		resp, err := client.Get(s.URL + path)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	readyz := func() (int, string) { return get("/readyz?verbose") }

	// A NOSPACE alarm on the wardle cluster: flunder writes answer 507, and
	// /storagez and the gauge name that cluster, not the main one, whose
	// CronTabs are still written.
	wardleClient := wardleEtcd.Client(t)
	members, err := wardleClient.MemberList(ctx)
	if err != nil {
		t.Fatal(err)
	}
	noSpace := &etcdserverpb.AlarmRequest{Action: etcdserverpb.AlarmRequest_ACTIVATE, MemberID: members.Members[0].ID, Alarm: etcdserverpb.AlarmType_NOSPACE}
	if _, err := etcdserverpb.NewMaintenanceClient(wardleClient.ActiveConnection()).Alarm(ctx, noSpace); err != nil {
		t.Fatal(err)
	}
	_, err = flunders.Create(ctx, &wardlev1beta1.Flunder{ObjectMeta: metav1.ObjectMeta{Name: "refused"}}, metav1.CreateOptions{})
	if apierrors.ReasonForError(err) != etcdalarm.ReasonInsufficientStorage {
		t.Errorf("a Flunder with the wardle cluster's NOSPACE alarm raised: %v; want 507 InsufficientStorage", err)
	}
	var storagez string
	testutil.WaitFor(t, 30*time.Second, "/storagez to name the wardle cluster", func(context.Context) (bool, error) {
		var code int
		code, storagez = get("/storagez")
		return code == http.StatusServiceUnavailable && strings.Contains(storagez, "NOSPACE alarm raised on member(s) ") &&
			!strings.Contains(storagez, "unknown"), nil
	})
	if !strings.Contains(storagez, " of etcd cluster override-0 ") || strings.Contains(storagez, "cluster main") {
		t.Errorf("/storagez with the wardle cluster full names the wrong cluster:\n%s", storagez)
	}
	for cluster, want := range map[string]float64{"override-0": 1, "main": 0} {
		if got := s.Metric(t, "extension_apiserver_etcd_alarm", map[string]string{"cluster": cluster, "alarm": "NOSPACE"}); got != want {
			t.Errorf(`extension_apiserver_etcd_alarm{cluster=%q,alarm="NOSPACE"} = %v, want %v`, cluster, got, want)
		}
	}
	if _, err := cs.StableV1().CronTabs("default").Create(ctx, seedCronTab("while-wardle-is-full"), metav1.CreateOptions{}); err != nil {
		t.Errorf("a CronTab with only the wardle cluster full: %v", err)
	}
	if _, err := wardleClient.AlarmDisarm(ctx, &clientv3.AlarmMember{MemberID: noSpace.MemberID, Alarm: noSpace.Alarm}); err != nil {
		t.Fatal(err)
	}
	testutil.WaitFor(t, 30*time.Second, "/storagez to clear", func(context.Context) (bool, error) {
		code, _ := get("/storagez")
		return code == http.StatusOK, nil
	})
	if _, err := flunders.Create(ctx, &wardlev1beta1.Flunder{ObjectMeta: metav1.ObjectMeta{Name: "after-the-alarm"}}, metav1.CreateOptions{}); err != nil {
		t.Errorf("a Flunder once the alarm was disarmed: %v", err)
	}

	// The wardle cluster down: not ready, and the failing check says which.
	if code, body := readyz(); code != http.StatusOK || !strings.Contains(body, "[+]etcd-override-readiness-0 ok") {
		t.Fatalf("/readyz with both clusters up: %d\n%s", code, body)
	}
	wardleEtcd.Stop()
	var body string
	testutil.WaitFor(t, time.Minute, "/readyz to fail on the wardle cluster", func(context.Context) (bool, error) {
		var code int
		code, body = readyz()
		return code != http.StatusOK, nil
	})
	if !strings.Contains(body, "[-]etcd-override-readiness-0 failed") || !strings.Contains(body, "[+]etcd-readiness ok") {
		t.Errorf("/readyz with the wardle cluster down names the wrong check:\n%s", body)
	}
	if _, err := cs.StableV1().CronTabs("default").Create(ctx, seedCronTab("while-wardle-is-down"), metav1.CreateOptions{}); err != nil {
		t.Errorf("a CronTab with only the wardle cluster down: %v", err)
	}
	wardleEtcd.Restart(t)
	testutil.WaitForNoError(t, 90*time.Second, "flunders to be served again", func(ctx context.Context) error {
		_, err := flunders.Get(ctx, "on-wardle", metav1.GetOptions{})
		return err
	})
}
