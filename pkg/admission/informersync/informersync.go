// Package informersync makes admission plugins wait, for a bounded time,
// until the informers they decide with have synced, and refuse with a
// retryable error otherwise instead of deciding on an empty cache.
package informersync

import (
	"context"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/tools/cache"
)

// DefaultTimeout bounds how long a request waits for informers to sync.
const DefaultTimeout = 10 * time.Second

// Gate is the readiness of one plugin.
type Gate struct {
	plugin  string
	timeout time.Duration
	synced  []cache.InformerSynced
	names   []string
}

// NewGate returns the gate of plugin, waiting at most timeout.
func NewGate(plugin string, timeout time.Duration) *Gate {
	return &Gate{plugin: plugin, timeout: timeout}
}

// Add makes the gate wait for an informer, named for the error message.
func (g *Gate) Add(name string, synced cache.InformerSynced) {
	g.synced = append(g.synced, synced)
	g.names = append(g.names, name)
}

// Wait returns nil once every informer has synced, or a 503 Status error
// naming the plugin and the informers when the timeout passes first.
func (g *Gate) Wait(ctx context.Context) error {
	ready := func(context.Context) (bool, error) {
		for _, synced := range g.synced {
			if !synced() {
				return false, nil
			}
		}
		return true, nil
	}
	if ok, _ := ready(ctx); ok {
		return nil
	}
	waitCtx, cancel := context.WithTimeout(ctx, g.timeout)
	defer cancel()
	if err := wait.PollUntilContextCancel(waitCtx, 50*time.Millisecond, true, ready); err != nil {
		return apierrors.NewServiceUnavailable(fmt.Sprintf("admission plugin %q is not ready: its %v informers have not synced within %s; retry later",
			g.plugin, g.names, g.timeout))
	}
	return nil
}
