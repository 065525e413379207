package badinput

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"

	clientv3 "go.etcd.io/etcd/client/v3"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"

	"github.com/example/extension-apiserver/pkg/storagemigration"
	"github.com/example/extension-apiserver/test/integration/framework"
)

// TestBadInputCorpus sends every request of the corpus to a real server on
// a real etcd and checks each answer, then checks what etcd holds.
func TestBadInputCorpus(t *testing.T) {
	etcd := framework.StartEtcd(t)
	s := framework.StartServer(t, framework.ServerConfig{Etcd: etcd})
	client, err := rest.HTTPClientFor(s.Config)
	if err != nil {
		t.Fatal(err)
	}
	send := func(r request) (int, []byte) {
		t.Helper()
		req, err := http.NewRequest(r.method, s.URL+r.path, bytes.NewReader(r.body))
		if err != nil {
			t.Fatal(err)
		}
		if r.contentType != "" {
			req.Header.Set("Content-Type", r.contentType)
		}
		req.Header.Set("Accept", "application/json")
		if r.accept != "" {
			req.Header.Set("Accept", r.accept)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", r.name, err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, body
	}

	// One fixture per resource, shared by its versions.
	fixtures := map[string]bool{}
	for _, e := range endpoints {
		key := e.group + "/" + e.resource
		if fixtures[key] {
			continue
		}
		if code, body := send(post(e, "fixture", jsonType, e.object(existing, "", e.content))); code != http.StatusCreated {
			t.Fatalf("creating the fixture of %s: %d %s", key, code, body)
		}
		fixtures[key] = true
	}

	requests := corpus()
	if len(requests) < 300 {
		t.Fatalf("the corpus has %d requests, want at least 300", len(requests))
	}
	byCode := map[int]int{}
	accepted := map[string]bool{}
	serverErrors := 0
	for _, r := range requests {
		code, body := send(r)
		byCode[code]++
		if code >= 500 {
			serverErrors++
		}
		if !slices.Contains(r.want, code) {
			t.Errorf("%s: %d, want one of %v: %.300s", r.name, code, r.want, body)
			continue
		}
		if code >= 400 {
			var status metav1.Status
			if err := json.Unmarshal(body, &status); err != nil || status.Kind != "Status" || int(status.Code) != code || status.Message == "" {
				t.Errorf("%s: %d without a Status body: %.300s", r.name, code, body)
			}
			continue
		}
		if r.method == http.MethodPost {
			var obj metav1.PartialObjectMetadata
			if err := json.Unmarshal(body, &obj); err == nil {
				accepted[obj.Name] = true
			}
		}
	}

	// Nothing a refused request sent is stored: etcd holds the fixtures
	// and the objects of the requests that were accepted, nothing else.
	etcdClient := etcd.Client(t)
	resp, err := etcdClient.Get(context.Background(), "/extension-apiserver/", clientv3.WithPrefix(), clientv3.WithKeysOnly())
	if err != nil {
		t.Fatal(err)
	}
	for _, kv := range resp.Kvs {
		if strings.HasPrefix(string(kv.Key), "/extension-apiserver"+storagemigration.StateDir) {
			continue // the storage migration's own records, not objects
		}
		name := string(kv.Key[strings.LastIndexByte(string(kv.Key), '/')+1:])
		if name != existing && !accepted[name] {
			t.Errorf("etcd holds %s, which no accepted request created", kv.Key)
		}
	}

	var summary []string
	for code, n := range byCode {
		summary = append(summary, fmt.Sprintf("%d×%d", n, code))
	}
	sort.Strings(summary)
	t.Logf("bad input corpus: %d requests over %d endpoints; answers %s; 5xx: %d; keys in etcd afterwards: %d (fixtures %d, accepted %d)",
		len(requests), len(endpoints), strings.Join(summary, " "), serverErrors, len(resp.Kvs), len(fixtures), len(accepted))
	if serverErrors > 0 {
		t.Errorf("%d requests got a 5xx", serverErrors)
	}
}
