package storagemigration

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/storage"
	"k8s.io/apiserver/pkg/storage/value/encrypt/identity"
)

const testPrefix = "/test"

var (
	oldEncoding = Encoding{Version: "wardle.example.com/v1alpha1", MediaType: runtime.ContentTypeJSON}
	newEncoding = Encoding{Version: "wardle.example.com/v1beta1", MediaType: runtime.ContentTypeProtobuf}
)

// startEtcd runs a real single-member etcd in process for one test.
func startEtcd(t *testing.T) *clientv3.Client {
	t.Helper()
	cfg := embed.NewConfig()
	cfg.Dir = t.TempDir()
	local, _ := url.Parse("http://127.0.0.1:0")
	cfg.ListenClientUrls, cfg.AdvertiseClientUrls = []url.URL{*local}, []url.URL{*local}
	cfg.ListenPeerUrls, cfg.AdvertisePeerUrls = []url.URL{*local}, []url.URL{*local}
	cfg.InitialCluster = cfg.Name + "=" + local.String()
	cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(zap.NewNop())
	server, err := embed.StartEtcd(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(server.Close)
	select {
	case <-server.Server.ReadyNotify():
	case <-time.After(time.Minute):
		t.Fatal("embedded etcd did not become ready")
	}
	client, err := clientv3.New(clientv3.Config{Endpoints: []string{server.Clients[0].Addr().String()}, DialTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	return client
}

// rewriteFunc stands in for the resource's storage in a rewrite: it is
// given the storage key and writes the object back, or fails.
type rewriteFunc func(ctx context.Context, storageKey string) error

type rewritingStorage struct {
	storage.Interface // only GuaranteedUpdate is used by the migrator
	rewrite           rewriteFunc
}

func (s rewritingStorage) GuaranteedUpdate(ctx context.Context, key string, _ runtime.Object, _ bool, _ *storage.Preconditions, _ storage.UpdateFunc, _ runtime.Object) error {
	return s.rewrite(ctx, key)
}

func flunders(rewrite rewriteFunc) Resource {
	return Resource{
		GroupResource: schema.GroupResource{Group: "wardle.example.com", Resource: "flunders"},
		Storage:       rewritingStorage{rewrite: rewrite},
		NewFunc:       func() runtime.Object { return nil },
		KeyPrefix:     testPrefix + "/wardle.example.com/flunders/",
		StoragePrefix: testPrefix + "/",
		Transformer:   identity.NewEncryptCheckTransformer(),
		Target:        newEncoding,
	}
}

func storedValue(e Encoding) string {
	if e.MediaType == runtime.ContentTypeProtobuf {
		unknown := runtime.Unknown{TypeMeta: runtime.TypeMeta{APIVersion: e.Version, Kind: "Flunder"}}
		data, err := unknown.Marshal()
		if err != nil {
			panic(err)
		}
		return string(protobufPrefix) + string(data)
	}
	return fmt.Sprintf(`{"apiVersion":%q,"kind":"Flunder"}`, e.Version)
}

// seed stores n Flunders in encoding e, named <prefix>-<i>, and returns their keys.
func seed(t *testing.T, client *clientv3.Client, r Resource, prefix string, n int, e Encoding) []string {
	t.Helper()
	var keys []string
	for i := range n {
		key := fmt.Sprintf("%sdefault/%s-%02d", r.KeyPrefix, prefix, i)
		if _, err := client.Put(context.Background(), key, storedValue(e)); err != nil {
			t.Fatal(err)
		}
		keys = append(keys, key)
	}
	return keys
}

func newTestMigrator(t *testing.T, client *clientv3.Client, resources ...Resource) *Migrator {
	t.Helper()
	m, err := New(Config{Client: client, Prefix: testPrefix, Identity: "replica-a", Resources: resources,
		Automatic: true, QPS: 1000, LeaseTTL: 5 * time.Second, Resync: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestForEachPageResumesAfterTheCheckpoint(t *testing.T) {
	client := startEtcd(t)
	r := flunders(nil)
	keys := seed(t, client, r, "f", 7, oldEncoding)
	seed(t, client, Resource{KeyPrefix: testPrefix + "/wardle.example.com/fischers/"}, "other", 2, oldEncoding)
	for _, tc := range []struct {
		after     string
		wantKeys  []string
		wantPages []int
	}{
		{"", keys, []int{3, 3, 1}},
		{keys[2], keys[3:], []int{3, 1}},
		{keys[6], nil, nil},
	} {
		var visited []string
		var pages []int
		err := forEachPage(context.Background(), client, r, tc.after, 3, func(page []keyValue) error {
			pages = append(pages, len(page))
			for _, kv := range page {
				visited = append(visited, kv.key)
			}
			return nil
		})
		if err != nil || !slices.Equal(visited, tc.wantKeys) || !slices.Equal(pages, tc.wantPages) {
			t.Errorf("after %q: visited %v in pages %v (%v), want %v in pages %v", tc.after, visited, pages, err, tc.wantKeys, tc.wantPages)
		}
	}
	stop := errors.New("stop")
	calls := 0
	if err := forEachPage(context.Background(), client, r, "", 3, func([]keyValue) error { calls++; return stop }); !errors.Is(err, stop) || calls != 1 {
		t.Errorf("an error from fn: %v after %d pages, want it returned after the first", err, calls)
	}
}

func TestCensusCountsEncodings(t *testing.T) {
	client := startEtcd(t)
	r := flunders(nil)
	seed(t, client, r, "old", 3, oldEncoding)
	seed(t, client, r, "new", 2, newEncoding)
	c, err := takeCensus(context.Background(), client, r)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{oldEncoding.String(): 3, newEncoding.String(): 2}
	if fmt.Sprint(c.stored) != fmt.Sprint(want) || c.pending != 3 || c.staleEncryption != 0 {
		t.Errorf("census %+v, want stored %v and 3 pending", c, want)
	}
}

func TestCheckpointSurvivesAndACorruptOneStartsOver(t *testing.T) {
	client := startEtcd(t)
	r := flunders(nil)
	m := newTestMigrator(t, client, r)
	ctx := context.Background()
	saved := ResourceStatus{Resource: r.Name(), Target: r.Target, State: StateMigrating, Pending: 4, Migrated: 6,
		LastKey: r.KeyPrefix + "default/f-05", Migrator: "replica-b"}
	if err := m.saveStatus(ctx, saved); err != nil {
		t.Fatal(err)
	}
	loaded, err := m.loadStatus(ctx, r)
	if err != nil || loaded.LastKey != saved.LastKey || loaded.Migrated != 6 || loaded.Migrator != "replica-b" || loaded.UpdatedAt.IsZero() {
		t.Errorf("loaded %+v (%v), want the saved checkpoint with its time", loaded, err)
	}
	if _, err := client.Put(ctx, m.key(progressDir+r.Name()), "{not json"); err != nil {
		t.Fatal(err)
	}
	loaded, err = m.loadStatus(ctx, r)
	if err != nil || loaded.LastKey != "" || loaded.Migrated != 0 || loaded.Target != r.Target {
		t.Errorf("after a corrupt checkpoint: %+v (%v), want a fresh status", loaded, err)
	}
}

func TestUnhandledRequest(t *testing.T) {
	client := startEtcd(t)
	m := newTestMigrator(t, client, flunders(nil))
	ctx := context.Background()
	if request, _, err := m.unhandledRequest(ctx); err != nil || request != 0 {
		t.Fatalf("before any request: %d (%v), want 0", request, err)
	}
	if err := m.Trigger(ctx); err != nil {
		t.Fatal(err)
	}
	request, at, err := m.unhandledRequest(ctx)
	if err != nil || request == 0 || at < request {
		t.Fatalf("after a request: %d at %d (%v), want its revision", request, at, err)
	}
	if _, err := client.Put(ctx, m.key(handledKey), fmt.Sprint(request)); err != nil {
		t.Fatal(err)
	}
	if again, _, err := m.unhandledRequest(ctx); err != nil || again != 0 {
		t.Errorf("after the request was answered: %d (%v), want 0", again, err)
	}
	if _, err := client.Put(ctx, m.key(handledKey), "garbage"); err != nil {
		t.Fatal(err)
	}
	if again, _, err := m.unhandledRequest(ctx); err != nil || again != request {
		t.Errorf("with an unreadable answered record: %d (%v), want the request %d answered again", again, err, request)
	}
}

func TestPassWaitsForReplicasWritingAnotherEncoding(t *testing.T) {
	client := startEtcd(t)
	rewrites := 0
	r := flunders(func(context.Context, string) error { rewrites++; return nil })
	seed(t, client, r, "f", 3, oldEncoding)
	m := newTestMigrator(t, client, r)
	ctx := context.Background()
	// A migration was under way when a replica writing the old encoding came back.
	if err := m.saveStatus(ctx, ResourceStatus{Resource: r.Name(), Target: r.Target, State: StateMigrating, LastKey: r.KeyPrefix + "default/f-00"}); err != nil {
		t.Fatal(err)
	}
	record, _ := json.Marshal(ReplicaRecord{Identity: "replica-old", Writes: map[string]Encoding{r.Name(): oldEncoding}})
	if _, err := client.Put(ctx, m.key(replicasDir+"replica-old"), string(record)); err != nil {
		t.Fatal(err)
	}
	status, err := m.passResource(ctx, r, true)
	if err != nil || status.State != StateWaiting || len(status.WaitingFor) != 1 || !strings.HasPrefix(status.WaitingFor[0], "replica-old") ||
		status.LastKey != "" || status.Pending != 3 || rewrites != 0 {
		t.Errorf("pass with a disagreeing replica: %+v (%v), %d rewrites; want Waiting for replica-old, the checkpoint dropped, nothing rewritten", status, err, rewrites)
	}
}

func TestMigrationResumesAndLeavesUnrewritableObjectsPending(t *testing.T) {
	client := startEtcd(t)
	ctx := context.Background()
	var rewritten []string
	var r Resource
	r = flunders(func(ctx context.Context, storageKey string) error {
		key := strings.TrimSuffix(r.StoragePrefix, "/") + storageKey
		if strings.HasSuffix(key, "-03") {
			return errors.New("cannot decode")
		}
		rewritten = append(rewritten, key)
		_, err := client.Put(ctx, key, storedValue(newEncoding))
		return err
	})
	keys := seed(t, client, r, "f", 5, oldEncoding)
	m := newTestMigrator(t, client, r)
	// A predecessor migrated f-00 and f-01 and checkpointed after f-01.
	for _, key := range keys[:2] {
		if _, err := client.Put(ctx, key, storedValue(newEncoding)); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.saveStatus(ctx, ResourceStatus{Resource: r.Name(), Target: r.Target, State: StateMigrating, Migrated: 2,
		LastKey: keys[1], Migrator: "replica-gone", StartedAt: time.Now().Add(-time.Minute)}); err != nil {
		t.Fatal(err)
	}
	status, err := m.passResource(ctx, r, true)
	if err != nil {
		t.Fatal(err)
	}
	if status.ResumedFrom != keys[1] {
		t.Errorf("resumed from %q, want after the checkpoint %q", status.ResumedFrom, keys[1])
	}
	if !slices.Equal(rewritten, []string{keys[2], keys[4]}) {
		t.Errorf("rewrote %v, want only %v (after the checkpoint, the unreadable one skipped)", rewritten, []string{keys[2], keys[4]})
	}
	if status.Migrated != 4 {
		t.Errorf("migrated %d, want the predecessor's 2 and this migrator's 2 counted as one migration", status.Migrated)
	}
	if status.State != StateFailed || status.Pending != 1 || !strings.Contains(status.Message, "1 objects could not be rewritten") || status.LastKey != "" {
		t.Errorf("status %+v, want Failed with the one unreadable object pending and no checkpoint left", status)
	}
}
