package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"k8s.io/client-go/rest"
)

// overloadClient sends one identity's requests with plain HTTP, so that
// every 429 is seen (client-go would retry it) and timed.
type overloadClient struct {
	config *rest.Config
	http   *http.Client
	server ScaleServer
	// names this client created or prepared.
	names []string
}

func newOverloadClient(config *rest.Config, s ScaleServer) *overloadClient {
	config = rest.CopyConfig(config)
	config.QPS, config.Burst = 1e6, 1e6
	client, err := rest.HTTPClientFor(config)
	if err != nil {
		panic(fmt.Sprintf("an HTTP client of a valid configuration: %v", err)) // the configurations are built here
	}
	return &overloadClient{config: config, http: client, server: s}
}

func (c *overloadClient) collection() string {
	return c.config.Host + resourcePath(c.server.Resource, c.server.Namespace)
}

// send does one request and returns its latency and status code (0 when
// it got no answer), and whether a 429 carried Retry-After.
func (c *overloadClient) send(ctx context.Context, method, url string, body any) (time.Duration, int, bool) {
	return sendJSON(ctx, c.http, method, url, body)
}

func sendJSON(ctx context.Context, client *http.Client, method, url string, body any) (time.Duration, int, bool) {
	var reader io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return 0, 0, false
		}
		reader = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, reader)
	if err != nil {
		return 0, 0, false
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return time.Since(start), 0, false
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return time.Since(start), resp.StatusCode, resp.Header.Get("Retry-After") != ""
}

// prepare creates n objects of this client's own.
func (c *overloadClient) prepare(ctx context.Context, prefix string, n int) error {
	for i := range n {
		obj := c.server.Writer.object(i, nil)
		obj.Metadata.Name = fmt.Sprintf("%s-%d", prefix, i)
		_, code, _ := c.send(ctx, http.MethodPost, c.collection(), obj)
		if code != http.StatusCreated && code != http.StatusConflict {
			return fmt.Errorf("creating %s: HTTP %d", obj.Metadata.Name, code)
		}
		c.names = append(c.names, obj.Metadata.Name)
	}
	return nil
}

// reconcileLoop reads and rewrites this client's objects in turn, as a
// controller does, n times or until ctx ends.
func (c *overloadClient) reconcileLoop(ctx context.Context, n int) *latencies {
	l := &latencies{}
	for i := 0; i < n && ctx.Err() == nil; i++ {
		name := c.names[i%len(c.names)]
		url := c.collection() + "/" + name
		l.observe(c.send(ctx, http.MethodGet, url, nil))
		patch := fmt.Sprintf(`{"metadata":{"annotations":{"reconciled":"%d"}}}`, i)
		req, err := http.NewRequestWithContext(ctx, http.MethodPatch, url, strings.NewReader(patch))
		if err != nil {
			continue
		}
		req.Header.Set("Content-Type", "application/merge-patch+json")
		start := time.Now()
		resp, err := c.http.Do(req)
		if err != nil {
			l.observe(time.Since(start), 0, false)
			continue
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		l.observe(time.Since(start), resp.StatusCode, false)
	}
	return l
}

// readLoop gets one object n times or until ctx ends, as a user reading
// now and then.
func (c *overloadClient) readLoop(ctx context.Context, n int) *latencies {
	l := &latencies{}
	url := c.collection() + "/" + objectName(0)
	for i := 0; i < n && ctx.Err() == nil; i++ {
		l.observe(c.send(ctx, http.MethodGet, url, nil))
		select {
		case <-ctx.Done():
		case <-time.After(20 * time.Millisecond):
		}
	}
	return l
}

// informerStorm sends, from n clients at once, the request an informer
// starts with: a watch that streams the collection's objects first
// (sendInitialEvents, WatchList, on by default in client-go), and returns
// when every stream has delivered its last initial object. The events are
// decoded only for their type and name: fifty caches of 100,000 objects
// would measure this process, not the server.
func (c *overloadClient) informerStorm(ctx context.Context, n, objects int) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Minute)
	defer cancel()
	url := c.collection() + "?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true"
	start := time.Now()
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- c.streamInitialEvents(ctx, url, objects)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return 0, err
		}
	}
	return time.Since(start), nil
}

// streamInitialEvents reads one watch until the bookmark that ends its
// initial events, retrying a 429 after a second.
func (c *overloadClient) streamInitialEvents(ctx context.Context, url string, objects int) error {
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		req.Header.Set("Accept", "application/json")
		resp, err := c.http.Do(req)
		if err != nil {
			return err
		}
		if resp.StatusCode == http.StatusTooManyRequests && attempt < 100 {
			_ = resp.Body.Close()
			time.Sleep(time.Second) // Retry-After is 1 s from kube-apiserver and this server
			continue
		}
		defer func() { _ = resp.Body.Close() }()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("watch answered HTTP %d", resp.StatusCode)
		}
		decoder := json.NewDecoder(resp.Body)
		added := 0
		for {
			var event struct {
				Type   string
				Object struct {
					Metadata struct {
						Annotations map[string]string `json:"annotations"`
					} `json:"metadata"`
				}
			}
			if err := decoder.Decode(&event); err != nil {
				return fmt.Errorf("the watch ended after %d initial events: %w", added, err)
			}
			switch event.Type {
			case "ADDED":
				added++
			case "BOOKMARK":
				if event.Object.Metadata.Annotations["k8s.io/initial-events-end"] == "true" {
					if added < objects {
						return fmt.Errorf("the initial events held %d objects, want at least %d", added, objects)
					}
					return nil
				}
			case "ERROR":
				return fmt.Errorf("the watch answered an error event")
			}
		}
	}
}

type listStormResult struct {
	total     time.Duration
	throttled int
}

// listStorm sends n plain JSON lists of the whole collection at once,
// retrying a 429 after its Retry-After as clients do, and returns when all
// have been answered in full.
func (c *overloadClient) listStorm(ctx context.Context, n int) (listStormResult, error) {
	var r listStormResult
	var throttled atomic.Int64
	errs := make(chan error, n)
	start := time.Now()
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for attempt := 0; ; attempt++ {
				_, code, _ := c.send(ctx, http.MethodGet, c.collection(), nil)
				switch {
				case code == http.StatusOK:
					return
				case code == http.StatusTooManyRequests && attempt < 100:
					throttled.Add(1)
					time.Sleep(time.Second) // Retry-After is 1 s from kube-apiserver and this server
				case code == 0:
					errs <- fmt.Errorf("a list got no answer (connection lost or timed out)")
					return
				default:
					errs <- fmt.Errorf("a list answered HTTP %d", code)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	r.total, r.throttled = time.Since(start), int(throttled.Load())
	return r, <-errs
}

// lostAcknowledged counts the acknowledged creates the server does not
// have, from lists of the collection in pages; a 429 is retried after a
// second, as the flood may still fill the user's queues.
func (c *overloadClient) lostAcknowledged(ctx context.Context, names []string) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute) // a server the storms exhausted may never answer
	defer cancel()
	stored := map[string]bool{}
	next := ""
	for attempt := 0; ; {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.collection()+"?limit=1000&continue="+url.QueryEscape(next), nil)
		if err != nil {
			return 0, err
		}
		req.Header.Set("Accept", "application/json")
		resp, err := c.http.Do(req)
		if err != nil {
			return 0, err
		}
		var page struct {
			Metadata struct {
				Continue string `json:"continue"`
			} `json:"metadata"`
			Items []struct {
				Metadata struct {
					Name string `json:"name"`
				} `json:"metadata"`
			} `json:"items"`
		}
		err = json.NewDecoder(resp.Body).Decode(&page)
		_ = resp.Body.Close()
		switch {
		case resp.StatusCode == http.StatusTooManyRequests && attempt < 60:
			attempt++
			time.Sleep(time.Second) // Retry-After is 1 s from kube-apiserver and this server
			continue
		case resp.StatusCode != http.StatusOK:
			return 0, fmt.Errorf("listing to read back the flood: HTTP %d", resp.StatusCode)
		case err != nil:
			return 0, fmt.Errorf("listing to read back the flood: %w", err)
		}
		for _, item := range page.Items {
			stored[item.Metadata.Name] = true
		}
		if next = page.Metadata.Continue; next == "" {
			break
		}
	}
	lost := 0
	for _, name := range names {
		if !stored[name] {
			lost++
		}
	}
	return lost, nil
}

// latencies are the requests of one client in one phase.
type latencies struct {
	mu                   sync.Mutex
	took                 []time.Duration
	failed, serverErrors int
}

// observe records a request; a negative duration is one the phase's end
// cut off, which is not recorded.
func (l *latencies) observe(took time.Duration, code int, _ bool) {
	if took < 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.took = append(l.took, took)
	if code != http.StatusOK && code != http.StatusCreated {
		l.failed++
	}
	if code >= 500 {
		l.serverErrors++
	}
}

func (l *latencies) p99() float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.took) == 0 {
		return 0
	}
	sorted := slices.Clone(l.took)
	slices.Sort(sorted)
	return float64(sorted[len(sorted)*99/100]) / float64(time.Millisecond)
}

func (l *latencies) failures() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.failed
}
