package badinput

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/client-go/rest"

	"github.com/example/extension-apiserver/internal/testutil"
	"github.com/example/extension-apiserver/test/integration/framework"
)

// TestThousandsOfWatchesFromOneUser opens 2,000 watches at once as one
// client. Neither the server nor kube-apiserver limits how many watches a
// user holds (a watch takes a seat of priority and fairness only while it
// starts), so what must hold is that every watch is served and live, the
// memory they take is a bounded amount per watch, and closing them gives
// it back.
func TestThousandsOfWatchesFromOneUser(t *testing.T) {
	const watches = 2000
	s := framework.StartServer(t, framework.ServerConfig{})
	client, err := rest.HTTPClientFor(s.Config)
	if err != nil {
		t.Fatal(err)
	}
	e := endpoints[0]
	// Watch from the collection's current resourceVersion: no initial
	// events, so the only event each watch gets is the create below.
	var list struct {
		Metadata struct{ ResourceVersion string } `json:"metadata"`
	}
	resp, err := client.Get(s.URL + e.collection())
	if err != nil {
		t.Fatal(err)
	}
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()

	// The server's own informers watch through its loopback client.
	own := longRunningWatches(t, s)
	before := heapAfterGC()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var opened, delivered sync.WaitGroup
	opened.Add(watches)
	delivered.Add(watches)
	refused := make(chan string, watches)
	for range watches {
		go func() {
			defer delivered.Done()
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+e.collection()+"?watch=true&resourceVersion="+list.Metadata.ResourceVersion, nil)
			if err != nil {
				refused <- err.Error()
				opened.Done()
				return
			}
			resp, err := client.Do(req)
			opened.Done()
			if err != nil {
				refused <- err.Error()
				return
			}
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				body, _ := io.ReadAll(resp.Body)
				refused <- strconv.Itoa(resp.StatusCode) + " " + string(body)
				return
			}
			line, err := bufio.NewReader(resp.Body).ReadString('\n')
			if err != nil || !strings.Contains(line, `"type":"ADDED"`) {
				refused <- "the watch ended before the create's event: " + line
			}
		}()
	}
	opened.Wait()
	testutil.WaitFor(t, 60*time.Second, "every watch registered on the server", func(context.Context) (bool, error) {
		return longRunningWatches(t, s) >= own+watches, nil
	})
	open := heapAfterGC()

	// Every watch is live: each gets the one create.
	created, err := client.Post(s.URL+e.collection(), "application/json", strings.NewReader(e.object("watched", "", e.content)))
	if err != nil {
		t.Fatal(err)
	}
	_ = created.Body.Close()
	if created.StatusCode != http.StatusCreated {
		t.Fatalf("create: HTTP %d", created.StatusCode)
	}
	delivered.Wait()
	close(refused)
	for reason := range refused {
		t.Errorf("a watch was not served to the end: %s", reason)
	}

	cancel()
	testutil.WaitFor(t, 60*time.Second, "every watch closed on the server", func(context.Context) (bool, error) {
		return longRunningWatches(t, s) == own, nil
	})
	perWatch := (open - before) / watches
	// The server lets go of a closed watch's buffers asynchronously; wait
	// for the heap to come back down.
	closed := heapAfterGC()
	err = testutil.PollNoError(context.Background(), 30*time.Second, func(context.Context) error {
		if closed = heapAfterGC(); closed > before+(open-before)/4 {
			return fmt.Errorf("the heap is at %.1f MiB, from %.1f MiB before the watches and %.1f MiB with them open", mib(closed), mib(before), mib(open))
		}
		return nil
	})
	t.Logf("%d watches from one client: heap %.1f MiB before, %.1f MiB open (%.1f KiB per watch, client and server), %.1f MiB after closing",
		watches, mib(before), mib(open), perWatch/1024, mib(closed))
	if err != nil {
		t.Errorf("closing the watches did not give their memory back: %v", err)
	}
	// The bound: a watch's goroutines, buffers and HTTP/2 stream on both
	// sides, tens of KiB; a leak or a per-watch copy of the collection
	// would show here.
	if perWatch > 256*1024 {
		t.Errorf("%.0f KiB of heap per open watch, want at most 256 KiB", perWatch/1024)
	}
}

func heapAfterGC() float64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return float64(m.HeapAlloc)
}

func mib(bytes float64) float64 { return bytes / (1 << 20) }

// longRunningWatches is the server's count of watches being served.
func longRunningWatches(t *testing.T, s *framework.Server) float64 {
	return s.Metric(t, "apiserver_longrunning_requests", map[string]string{"verb": "WATCH"})
}
