package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"
)

// Profiler takes CPU profiles of a server's /debug/pprof while the load
// runs, so that a benchmark run explains its own figures.
type Profiler struct {
	baseURL string
	client  *http.Client
	dir     string
	seconds int
}

// NewProfiler profiles the server at baseURL with client, which must be
// allowed to read /debug/pprof; profiles go to dir.
func NewProfiler(baseURL string, client *http.Client, dir string, seconds int) *Profiler {
	return &Profiler{baseURL: baseURL, client: client, dir: dir, seconds: seconds}
}

// Start profiles the CPU for the configured seconds, from now, into
// <dir>/<name>.pprof; the returned function waits for the profile.
func (p *Profiler) Start(ctx context.Context, name string) func() error {
	done := make(chan error, 1)
	go func() { done <- p.fetch(ctx, name, fmt.Sprintf("profile?seconds=%d", p.seconds)) }()
	return func() error { return <-done }
}

// Heap saves the live heap, after a garbage collection, into
// <dir>/<name>.pprof: what the server's resident memory holds.
func (p *Profiler) Heap(ctx context.Context, name string) error {
	return p.fetch(ctx, name, "heap?gc=1")
}

// HeapAsOfLastGC saves the heap as the last garbage collection found it,
// without forcing another: right after a forced one, the same live heap.
func (p *Profiler) HeapAsOfLastGC(ctx context.Context, name string) error {
	return p.fetch(ctx, name, "heap")
}

func (p *Profiler) fetch(ctx context.Context, name, profile string) error {
	ctx, cancel := context.WithTimeout(ctx, time.Duration(p.seconds+30)*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.baseURL+"/debug/pprof/"+profile, nil)
	if err != nil {
		return err
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("profile %s: %s", name, resp.Status)
	}
	if err := os.MkdirAll(p.dir, 0o755); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(p.dir, name+".pprof"))
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}
