package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"sync"
	"time"

	"k8s.io/client-go/rest"
)

// FloodSpec is what the flooding user's own process needs: its connection,
// the collection, an object to create under new names, and how hard and
// how long to write.
type FloodSpec struct {
	Host       string
	TLS        rest.TLSClientConfig
	Collection string
	Object     wireObject
	// PerSecond creates are offered on a fixed schedule whatever the answers,
	// with at most MaxInFlight unanswered; one that finds them all busy is
	// counted as not sent.
	PerSecond   float64
	MaxInFlight int
	For         time.Duration
}

// FloodResult counts the flood's answers; a 429 is counted, not retried.
type FloodResult struct {
	Sent, Unsent, Acknowledged, Throttled, RetryAfter, ServerErrors int
	AcknowledgedNames                                               []string
	// CPUSeconds is what the flood's process spent.
	CPUSeconds float64
}

// floodInChild runs the flood in a child process (this binary with
// -flood-child) at the lowest CPU priority: the flooding tenant's client
// stands for a client on another machine, and on a small machine it would
// otherwise take the CPU the servers and the measured clients need.
func floodInChild(ctx context.Context, config *rest.Config, spec FloodSpec) (FloodResult, error) {
	config = rest.CopyConfig(config)
	if err := rest.LoadTLSFiles(config); err != nil {
		return FloodResult{}, err
	}
	spec.Host, spec.TLS = config.Host, rest.TLSClientConfig{ServerName: config.ServerName, CAData: config.CAData, CertData: config.CertData, KeyData: config.KeyData}
	self, err := os.Executable()
	if err != nil {
		return FloodResult{}, err
	}
	input, err := json.Marshal(spec)
	if err != nil {
		return FloodResult{}, err
	}
	cmd := exec.CommandContext(ctx, "nice", "-n", "19", self, "-flood-child")
	cmd.Stdin, cmd.Stderr = bytes.NewReader(input), os.Stderr
	output, err := cmd.Output()
	if err != nil {
		return FloodResult{}, fmt.Errorf("the flood's process: %w", err)
	}
	var r FloodResult
	if err := json.Unmarshal(output, &r); err != nil {
		return FloodResult{}, err
	}
	r.CPUSeconds = (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Seconds()
	return r, nil
}

// RunFloodChild is the flood's process: the spec on in, the result on out.
func RunFloodChild(ctx context.Context, in io.Reader, out io.Writer) error {
	var spec FloodSpec
	if err := json.NewDecoder(in).Decode(&spec); err != nil {
		return fmt.Errorf("reading the flood's spec: %w", err)
	}
	client, err := rest.HTTPClientFor(&rest.Config{Host: spec.Host, TLSClientConfig: spec.TLS, QPS: 1e6, Burst: 1e6})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, spec.For)
	defer cancel()
	return json.NewEncoder(out).Encode(flood(ctx, client, spec))
}

// flood offers spec.PerSecond creates until ctx ends.
func flood(ctx context.Context, client *http.Client, spec FloodSpec) FloodResult {
	var mu sync.Mutex
	var r FloodResult
	var wg sync.WaitGroup
	slots := make(chan struct{}, spec.MaxInFlight)
	create := func(name string) {
		defer wg.Done()
		defer func() { <-slots }()
		body := spec.Object // a copy; the maps it shares are only read
		body.Metadata.Name = name
		_, code, retryAfter := sendJSON(ctx, client, http.MethodPost, spec.Collection, body)
		if code == 0 && ctx.Err() != nil {
			return // cut off by the end of the flood: not answered
		}
		mu.Lock()
		defer mu.Unlock()
		r.Sent++
		switch {
		case code == http.StatusCreated:
			r.Acknowledged++
			r.AcknowledgedNames = append(r.AcknowledgedNames, name)
		case code == http.StatusTooManyRequests:
			r.Throttled++
			if retryAfter {
				r.RetryAfter++
			}
		case code >= 500:
			r.ServerErrors++
		}
	}
	start, offered := time.Now(), 0
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for ctx.Err() == nil {
		due := int(time.Since(start).Seconds() * spec.PerSecond)
		for ; offered < due; offered++ {
			select {
			case slots <- struct{}{}:
				wg.Add(1)
				go create(fmt.Sprintf("flood-%d", offered))
			default:
				mu.Lock()
				r.Unsent++
				mu.Unlock()
			}
		}
		select {
		case <-ctx.Done():
		case <-tick.C:
		}
	}
	wg.Wait()
	return r
}
