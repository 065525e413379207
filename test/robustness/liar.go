package robustness

import (
	"bufio"
	"bytes"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"

	"k8s.io/client-go/rest"
)

// liar is a proxy between a client and a replica that breaks one
// guarantee the way a buggy cache would: it drops one watch event, and
// answers one get from a stale copy. Nothing in the
// server knows of it; the checker must find what it did.
type liar struct {
	*httptest.Server

	mu sync.Mutex
	// dropping is set while a stream that dropped an event has not yet
	// passed a later one.
	dropping bool
	// droppedEvent is the event line it dropped; staleGet the answer it
	// served again after the object had changed.
	droppedEvent, staleGet string
	firstGet               map[string]*firstAnswer
}

// firstAnswer is the first answer to a get of one object, and whether a
// newer one was served since: serving the first again after that is a read
// going back, not linearizable whatever the writes did (the reader is one
// client calling one at a time).
type firstAnswer struct {
	body        []byte
	newerServed bool
}

// dropAfter is how many events of a stream pass before one is dropped.
const dropAfter = 3

func startLiar(t *testing.T, upstream *rest.Config) *liar {
	t.Helper()
	target, err := url.Parse(upstream.Host)
	if err != nil {
		t.Fatal(err)
	}
	transport, err := rest.TransportFor(upstream)
	if err != nil {
		t.Fatal(err)
	}
	l := &liar{firstGet: map[string]*firstAnswer{}}
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.Transport = transport
	proxy.FlushInterval = -1 // watch events pass as they come
	proxy.ModifyResponse = l.modify
	proxy.ErrorLog = log.New(io.Discard, "", 0) // a replica down is a fault of the run, answered 502
	l.Server = httptest.NewTLSServer(proxy)
	t.Cleanup(l.Close)
	return l
}

func (l *liar) modify(resp *http.Response) error {
	req := resp.Request
	if req.Method != http.MethodGet || resp.StatusCode != http.StatusOK {
		return nil
	}
	if req.URL.Query().Get("watch") == "true" {
		// Every stream until one event is dropped: a fault may end the
		// first before it carried enough.
		resp.Body = &droppingBody{ReadCloser: resp.Body, lines: bufio.NewReader(resp.Body), l: l}
		return nil
	}
	if !strings.Contains(req.URL.Path, "/crontabs/") {
		return nil // a list
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	_ = resp.Body.Close()
	l.mu.Lock()
	defer l.mu.Unlock()
	first, seen := l.firstGet[req.URL.Path]
	switch {
	case !seen:
		l.firstGet[req.URL.Path] = &firstAnswer{body: body}
	case bytes.Equal(first.body, body):
	case !first.newerServed:
		first.newerServed = true
	case l.staleGet == "":
		l.staleGet, body = req.URL.Path, first.body
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header.Del("Content-Length")
	return nil
}

// droppingBody passes a JSON watch stream (one event per line) and drops
// the event after dropAfter events, unless one was dropped before. A drop
// counts once a later event of the same stream passed: only then can the
// client tell. A stream that ends first lets the next one drop again.
type droppingBody struct {
	io.ReadCloser
	lines   *bufio.Reader
	pending []byte
	events  int
	l       *liar
	// dropped is the event this stream dropped, until a later one passes.
	dropped string
}

func (b *droppingBody) Read(p []byte) (int, error) {
	for len(b.pending) == 0 {
		line, err := b.lines.ReadBytes('\n')
		if len(line) > 0 && !bytes.Contains(line, []byte(`"type":"BOOKMARK"`)) {
			b.events++
			b.l.mu.Lock()
			switch {
			case b.dropped != "":
				b.l.droppedEvent, b.dropped = b.dropped, ""
			case b.events == dropAfter+1 && b.l.droppedEvent == "" && !b.l.dropping:
				b.dropped, b.l.dropping, line = string(bytes.TrimSpace(line)), true, nil
			}
			b.l.mu.Unlock()
		}
		b.pending = line
		if err != nil && len(b.pending) == 0 {
			b.ended()
			return 0, err
		}
	}
	n := copy(p, b.pending)
	b.pending = b.pending[n:]
	return n, nil
}

// Close ends the stream for the proxy.
func (b *droppingBody) Close() error {
	b.ended()
	return b.ReadCloser.Close()
}

// ended: a drop no later event followed went unseen; another stream drops one.
func (b *droppingBody) ended() {
	b.l.mu.Lock()
	defer b.l.mu.Unlock()
	if b.dropped != "" {
		b.l.dropping, b.dropped = false, ""
	}
}

func (l *liar) lies() (droppedEvent, staleGet string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.droppedEvent, l.staleGet
}

// config is a JSON client configuration through the liar.
func (l *liar) config() *rest.Config {
	return &rest.Config{Host: l.URL, TLSClientConfig: rest.TLSClientConfig{Insecure: true}, QPS: 50, Burst: 100,
		ContentConfig: rest.ContentConfig{ContentType: "application/json"}}
}
