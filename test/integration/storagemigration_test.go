package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/client/v3/concurrency"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"

	stablev1 "github.com/example/extension-apiserver/pkg/apis/stable/v1"
	wardlev1alpha1 "github.com/example/extension-apiserver/pkg/apis/wardle/v1alpha1"
	wardlev1beta1 "github.com/example/extension-apiserver/pkg/apis/wardle/v1beta1"
	"github.com/example/extension-apiserver/pkg/storagemigration"
	"github.com/example/extension-apiserver/test/integration/framework"
)

const (
	protobuf = "application/vnd.kubernetes.protobuf"
	jsonType = "application/json"
)

// migrationArgs make a migration quick to observe in a test.
var migrationArgs = []string{"--storage-migration-qps", "2000", "--storage-migration-lease-duration", "3s"}

func migrationStatus(t *testing.T, s *framework.Server, method string) storagemigration.Status {
	t.Helper()
	client, err := rest.HTTPClientFor(s.Config)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(method, s.URL+storagemigration.Path, nil)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		t.Fatalf("%s %s: %s %s", method, storagemigration.Path, resp.Status, body)
	}
	var status storagemigration.Status
	if err := json.Unmarshal(body, &status); err != nil {
		t.Fatalf("%s: %v", body, err)
	}
	return status
}

// waitForStates polls the status until every resource that has objects is
// in state (one without any is always Current).
func waitForStates(t *testing.T, s *framework.Server, state string) storagemigration.Status {
	t.Helper()
	var last storagemigration.Status
	err := wait.PollUntilContextTimeout(context.Background(), 200*time.Millisecond, 60*time.Second, true, func(context.Context) (bool, error) {
		last = migrationStatus(t, s, http.MethodGet)
		for _, r := range last.Resources {
			if r.State != state && len(r.Stored) > 0 {
				return false, nil
			}
		}
		return len(last.Resources) > 0, nil
	})
	if err != nil {
		t.Fatalf("waiting for every resource to be %s: %v; last status %+v", state, err, last)
	}
	return last
}

// storedValues are the values of every object in etcd (not the migration's
// own state).
func storedValues(t *testing.T, etcd *framework.Etcd) [][]byte {
	t.Helper()
	resp, err := etcd.Client(t).Get(context.Background(), "/extension-apiserver/", clientv3.WithPrefix())
	if err != nil {
		t.Fatal(err)
	}
	var values [][]byte
	for _, kv := range resp.Kvs {
		if !strings.HasPrefix(string(kv.Key), "/extension-apiserver"+storagemigration.StateDir) {
			values = append(values, kv.Value)
		}
	}
	return values
}

// storedEncodings counts every object in etcd by "<apiVersion> <media type>".
func storedEncodings(t *testing.T, etcd *framework.Etcd) map[string]int {
	t.Helper()
	counts := map[string]int{}
	for _, value := range storedValues(t, etcd) {
		counts[storagemigration.EncodingOf(value).String()]++
	}
	return counts
}

// TestStorageMigration writes objects with old storage settings, then
// starts a server with new ones beside the old one: it waits while the old
// one lives, migrates when it goes, and leaves every object as it was but
// for its encoding. Then a server with automatic migration off only counts,
// until asked.
func TestStorageMigration(t *testing.T) {
	etcd := framework.StartEtcd(t)
	ctx := context.Background()
	old := framework.StartServer(t, framework.ServerConfig{Etcd: etcd, Args: append([]string{
		"--storage-versions", "wardle.example.com=v1alpha1,stable.example.com=v1", "--storage-media-type", jsonType}, migrationArgs...)})
	cs := old.Clientset(t)
	const flunders, crontabs = 120, 30
	for i := range flunders {
		if _, err := cs.WardleV1alpha1().Flunders("default").Create(ctx, &wardlev1alpha1.Flunder{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("f-%03d", i), Labels: map[string]string{"i": fmt.Sprint(i)}},
			Spec: wardlev1alpha1.FlunderSpec{Reference: fmt.Sprintf("other-%d", i)}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range crontabs {
		if _, err := cs.StableV1().CronTabs("default").Create(ctx, &stablev1.CronTab{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("ct-%03d", i)},
			Spec: stablev1.CronTabSpec{CronSpec: "* * * * *", Image: "busybox", Replicas: ptr.To[int32](2), Suspend: ptr.To(i%2 == 0)}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	before := storedEncodings(t, etcd)
	if before["wardle.example.com/v1alpha1 "+jsonType] != flunders || before["stable.example.com/v1 "+jsonType] != crontabs {
		t.Fatalf("stored before: %v", before)
	}
	flundersBefore, err := cs.WardleV1beta1().Flunders("default").List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	crontabsBefore, err := cs.StableV1().CronTabs("default").List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}

	newer := framework.StartServer(t, framework.ServerConfig{Etcd: etcd, Args: migrationArgs})
	// The two write different encodings: whichever leads waits.
	waiting := func(context.Context) (bool, error) {
		for _, r := range migrationStatus(t, newer, http.MethodGet).Resources {
			if r.Resource == "flunders.wardle.example.com" {
				return r.State == storagemigration.StateWaiting && len(r.WaitingFor) == 1, nil
			}
		}
		return false, nil
	}
	if err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 30*time.Second, true, waiting); err != nil {
		t.Fatalf("the new server did not wait for the old one: %+v", migrationStatus(t, newer, http.MethodGet))
	}
	if got := storedEncodings(t, etcd); !cmp.Equal(got, before) {
		t.Fatalf("objects were rewritten while a replica still wrote the old encoding: %v", got)
	}

	old.Stop()
	status := waitForStates(t, newer, storagemigration.StateCurrent)
	if want := map[string]int{"wardle.example.com/v1beta1 " + protobuf: flunders, "stable.example.com/v1 " + protobuf: crontabs}; !cmp.Equal(storedEncodings(t, etcd), want) {
		t.Errorf("stored after the migration: %v, want %v", storedEncodings(t, etcd), want)
	}
	for _, r := range status.Resources {
		if r.Resource == "flunders.wardle.example.com" && r.Migrated != flunders {
			t.Errorf("flunders migrated: %d, want %d", r.Migrated, flunders)
		}
	}
	newCS := newer.Clientset(t)
	flundersAfter, err := newCS.WardleV1beta1().Flunders("default").List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	crontabsAfter, err := newCS.StableV1().CronTabs("default").List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ignoreVersions := cmp.FilterPath(func(p cmp.Path) bool {
		return p.Last().String() == ".ResourceVersion"
	}, cmp.Ignore())
	if diff := cmp.Diff(flundersBefore.Items, flundersAfter.Items, ignoreVersions); diff != "" {
		t.Errorf("Flunders changed by the migration (-before +after):\n%s", diff)
	}
	if diff := cmp.Diff(crontabsBefore.Items, crontabsAfter.Items, ignoreVersions); diff != "" {
		t.Errorf("CronTabs changed by the migration (-before +after):\n%s", diff)
	}

	// Back to JSON, by request only.
	newer.Stop()
	manual := framework.StartServer(t, framework.ServerConfig{Etcd: etcd, Args: append([]string{
		"--storage-media-type", jsonType, "--automatic-storage-migration=false"}, migrationArgs...)})
	waitForStates(t, manual, storagemigration.StatePending)
	if got := storedEncodings(t, etcd)["wardle.example.com/v1beta1 "+protobuf]; got != flunders {
		t.Errorf("with automatic migration off, %d Flunders are still protobuf, want all %d", got, flunders)
	}
	if got := manual.Metric(t, "extension_apiserver_storage_migration_pending_objects", map[string]string{"resource": "flunders.wardle.example.com"}); got != flunders {
		t.Errorf("pending_objects metric for flunders = %v, want %d", got, flunders)
	}
	migrationStatus(t, manual, http.MethodPost)
	waitForStates(t, manual, storagemigration.StateCurrent)
	if want := map[string]int{"wardle.example.com/v1beta1 " + jsonType: flunders, "stable.example.com/v1 " + jsonType: crontabs}; !cmp.Equal(storedEncodings(t, etcd), want) {
		t.Errorf("stored after the requested migration: %v, want %v", storedEncodings(t, etcd), want)
	}
}

// TestStorageMigrationGoesPastUnreadableObjects: a value the server cannot
// decode stays as it is and is reported, and the other objects are migrated.
func TestStorageMigrationGoesPastUnreadableObjects(t *testing.T) {
	etcd := framework.StartEtcd(t)
	ctx := context.Background()
	old := framework.StartServer(t, framework.ServerConfig{Etcd: etcd, Args: append([]string{"--storage-media-type", jsonType}, migrationArgs...)})
	for _, name := range []string{"a", "c"} {
		if _, err := old.Clientset(t).WardleV1beta1().Fischers().Create(ctx, &wardlev1beta1.Fischer{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	old.Stop()
	if _, err := etcd.Client(t).Put(ctx, "/extension-apiserver/wardle.example.com/fischers/b", "not an object"); err != nil {
		t.Fatal(err)
	}
	newer := framework.StartServer(t, framework.ServerConfig{Etcd: etcd, Args: migrationArgs})
	var fischers storagemigration.ResourceStatus
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 60*time.Second, true, func(context.Context) (bool, error) {
		for _, r := range migrationStatus(t, newer, http.MethodGet).Resources {
			if r.Resource == "fischers.wardle.example.com" {
				fischers = r
			}
		}
		return fischers.State == storagemigration.StateFailed, nil
	})
	if err != nil || fischers.Pending != 1 || !strings.Contains(fischers.Message, "1 objects could not be rewritten") {
		t.Fatalf("fischers: %+v (%v), want Failed with the one unreadable object pending", fischers, err)
	}
	if got := fischers.Stored["wardle.example.com/v1beta1 "+protobuf]; got != 2 {
		t.Errorf("readable Fischers migrated: %d, want 2 (%v)", got, fischers.Stored)
	}
}

// TestStorageMigrationRequestWaitsForALeader: a migration requested while
// no replica of this server leads (a stand-in holds the election, as a
// crashed leader's lease would) is carried out by the next leader.
func TestStorageMigrationRequestWaitsForALeader(t *testing.T) {
	etcd := framework.StartEtcd(t)
	ctx := context.Background()
	writer := framework.StartServer(t, framework.ServerConfig{Etcd: etcd, Args: migrationArgs})
	for _, name := range []string{"a", "b", "c"} {
		if _, err := writer.Clientset(t).WardleV1beta1().Fischers().Create(ctx, &wardlev1beta1.Fischer{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	writer.Stop()

	session, err := concurrency.NewSession(etcd.Client(t), concurrency.WithTTL(5))
	if err != nil {
		t.Fatal(err)
	}
	defer session.Close()
	standIn := concurrency.NewElection(session, "/extension-apiserver"+storagemigration.ElectionKey)
	if err := standIn.Campaign(ctx, "stand-in"); err != nil {
		t.Fatal(err)
	}
	manual := framework.StartServer(t, framework.ServerConfig{Etcd: etcd, Args: append([]string{
		"--storage-media-type", jsonType, "--automatic-storage-migration=false"}, migrationArgs...)})
	if leader := migrationStatus(t, manual, http.MethodPost).Leader; leader != "stand-in" {
		t.Fatalf("the migration is led by %q, want the stand-in while it holds the election", leader)
	}
	if err := standIn.Resign(ctx); err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"wardle.example.com/v1beta1 " + jsonType: 3}
	waitFor(t, "the requested migration", func() (bool, error) {
		return cmp.Equal(storedEncodings(t, etcd), want), nil
	})
}
