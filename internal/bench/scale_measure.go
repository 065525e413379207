package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	goruntime "runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"

	clientset "github.com/example/extension-apiserver/pkg/generated/clientset/versioned"
	informers "github.com/example/extension-apiserver/pkg/generated/informers/externalversions"
)

type memory struct{ rssMiB, heapMiB float64 }

// measureMemory forces a garbage collection in the server (the heap
// profile's gc=1) and reads its live heap from the profile's MemStats and
// its resident memory from /proc.
func measureMemory(ctx context.Context, s ScaleServer, pid int) (memory, error) {
	heap, err := liveHeapMiB(ctx, s)
	if err != nil {
		return memory{}, err
	}
	rss, err := rssMiB([]int{pid})
	return memory{rssMiB: rss, heapMiB: heap}, err
}

// liveHeapMiB reads the server's live heap from its heap profile's
// MemStats, after the forced collection of the profile's gc=1.
func liveHeapMiB(ctx context.Context, s ScaleServer) (float64, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+"/debug/pprof/heap?gc=1&debug=1", nil)
	if err != nil {
		return 0, err
	}
	resp, err := s.Client.Do(req)
	if err != nil {
		return 0, err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("heap profile: %s", resp.Status)
	}
	scanner := bufio.NewScanner(resp.Body)
	scanner.Buffer(make([]byte, 1<<20), 1<<20)
	for scanner.Scan() {
		if value, ok := strings.CutPrefix(scanner.Text(), "# HeapAlloc = "); ok {
			bytes, err := strconv.ParseFloat(value, 64)
			if err != nil {
				return 0, fmt.Errorf("heap profile: %q", scanner.Text())
			}
			return bytes / (1 << 20), nil
		}
	}
	if err := scanner.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("heap profile: no HeapAlloc")
}

// etcdBytesPerObject is the mean size of the values under prefix, read in
// pages.
func etcdBytesPerObject(ctx context.Context, etcd *clientv3.Client, prefix string) (float64, error) {
	var total, count int64
	key, end := prefix, clientv3.GetPrefixRangeEnd(prefix)
	for {
		resp, err := etcd.Get(ctx, key, clientv3.WithRange(end), clientv3.WithLimit(5000))
		if err != nil {
			return 0, err
		}
		for _, kv := range resp.Kvs {
			total += int64(len(kv.Value))
			count++
		}
		if !resp.More || len(resp.Kvs) == 0 {
			break
		}
		key = string(resp.Kvs[len(resp.Kvs)-1].Key) + "\x00"
	}
	if count == 0 {
		return 0, fmt.Errorf("no objects under %s in etcd", prefix)
	}
	return float64(total) / float64(count), nil
}

type listTimes struct {
	full, paginated, pageP99 time.Duration
	// fullCPU is the server's CPU time during the full list.
	fullCPU   float64
	fromCache bool
}

// measureLists times a full list and a paginated one, read to the last
// byte and not decoded (the server's cost, not the client's), and tells
// whether the full list came from the watch cache: the server's count of
// lists sent to etcd did not move.
func measureLists(ctx context.Context, s ScaleServer, c ScaleClient, pid, size, pageSize int, profileDir string) (listTimes, error) {
	var t listTimes
	client, err := rest.HTTPClientFor(c.Config)
	if err != nil {
		return t, err
	}
	url := c.Config.Host + resourcePath(s.Resource, s.Namespace)
	storageLists := func() (float64, error) { return storageListCount(ctx, s) }
	before, err := storageLists()
	if err != nil {
		return t, err
	}
	var profiled func() error
	if profileDir != "" {
		profiled = NewProfiler(s.URL, s.Client, profileDir, 3).Start(ctx, fmt.Sprintf("%s-list-%d", c.Scenario, size))
	}
	cpuBefore, err := cpuSeconds([]int{pid})
	if err != nil {
		return t, err
	}
	start := time.Now()
	if _, err := fetch(ctx, client, url, c.Config.AcceptContentTypes); err != nil {
		return t, err
	}
	t.full = time.Since(start)
	cpuAfter, err := cpuSeconds([]int{pid})
	if err != nil {
		return t, err
	}
	t.fullCPU = cpuAfter - cpuBefore
	if profiled != nil {
		if err := profiled(); err != nil {
			return t, err
		}
	}
	after, err := storageLists()
	if err != nil {
		return t, err
	}
	t.fromCache = after == before

	var pages []time.Duration
	if profileDir != "" {
		profiled = NewProfiler(s.URL, s.Client, profileDir, 10).Start(ctx, fmt.Sprintf("%s-pages-%d", c.Scenario, size))
	}
	start = time.Now()
	for next := ""; ; {
		pageStart := time.Now()
		body, err := fetch(ctx, client, url+fmt.Sprintf("?limit=%d&continue=%s", pageSize, next), c.Config.AcceptContentTypes)
		if err != nil {
			return t, err
		}
		pages = append(pages, time.Since(pageStart))
		if next, err = continueToken(body); err != nil {
			return t, err
		} else if next == "" {
			break
		}
	}
	t.paginated = time.Since(start)
	if profileDir != "" {
		if err := profiled(); err != nil {
			return t, err
		}
	}
	slices.Sort(pages)
	t.pageP99 = pages[int(0.99*float64(len(pages)-1))]
	if want := (size + pageSize - 1) / pageSize; len(pages) < want {
		return t, fmt.Errorf("a paginated list of %d objects took %d pages of %d", size, len(pages), pageSize)
	}
	return t, nil
}

func fetch(ctx context.Context, client *http.Client, url, accept string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s: %.200s", url, resp.Status, body)
	}
	return body, nil
}

// continueToken finds metadata.continue in a list, JSON or protobuf,
// without decoding its items: a protobuf list's first field is its ListMeta
// and its items' first field their ObjectMeta, as in a
// PartialObjectMetadataList, whose decoder skips the rest.
func continueToken(body []byte) (string, error) {
	if raw, ok := bytes.CutPrefix(body, protobufMagic); ok {
		var unknown runtime.Unknown
		if err := unknown.Unmarshal(raw); err != nil {
			return "", err
		}
		var list metav1.PartialObjectMetadataList
		if err := list.Unmarshal(unknown.Raw); err != nil {
			return "", err
		}
		return list.Continue, nil
	}
	var list struct {
		Metadata metav1.ListMeta `json:"metadata"`
	}
	err := json.Unmarshal(body, &list)
	return list.Metadata.Continue, err
}

// protobufMagic starts every protobuf answer of a Kubernetes API server.
var protobufMagic = []byte("k8s\x00")

// storageListCount is the server's count of lists of the resource it sent
// to etcd (apiserver_storage_list_duration_seconds_count).
func storageListCount(ctx context.Context, s ScaleServer) (float64, error) {
	body, err := fetch(ctx, s.Client, s.URL+"/metrics", "text/plain")
	if err != nil {
		return 0, err
	}
	var total float64
	for _, line := range strings.Split(string(body), "\n") {
		if !strings.HasPrefix(line, "apiserver_storage_list_duration_seconds_count{") ||
			!strings.Contains(line, `resource="`+s.Resource.Resource+`"`) || !strings.Contains(line, `group="`+s.Resource.Group+`"`) {
			continue
		}
		value, err := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
		if err != nil {
			return 0, fmt.Errorf("parsing %q", line)
		}
		total += value
	}
	return total, nil
}

// informerSync times a fresh client-go informer of the namespace until it
// has synced every object.
func informerSync(ctx context.Context, s ScaleServer, c ScaleClient, size int) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	defer goruntime.GC() // the next measurement should not pay for this cache
	start := time.Now()
	var informer cache.SharedIndexInformer
	if c.Typed {
		cs, err := clientset.NewForConfig(c.Config)
		if err != nil {
			return 0, err
		}
		factory := informers.NewSharedInformerFactoryWithOptions(cs, 0, informers.WithNamespace(s.Namespace))
		informer = factory.Stable().V1().CronTabs().Informer()
	} else {
		dc, err := dynamic.NewForConfig(c.Config)
		if err != nil {
			return 0, err
		}
		informer = dynamicinformer.NewFilteredDynamicSharedInformerFactory(dc, 0, s.Namespace, nil).ForResource(s.Resource).Informer()
	}
	go informer.RunWithContext(ctx)
	// Polled finely: cache.WaitForCacheSync checks every 100 ms, as long as
	// a small informer takes to sync.
	for !informer.HasSynced() {
		select {
		case <-ctx.Done():
			return 0, fmt.Errorf("the informer did not sync: %w", ctx.Err())
		case <-time.After(2 * time.Millisecond):
		}
	}
	elapsed := time.Since(start)
	if got := len(informer.GetStore().ListKeys()); got != size {
		return 0, fmt.Errorf("the informer synced %d objects, want %d", got, size)
	}
	return elapsed, nil
}
