package faults

import (
	"context"
	"strconv"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"

	clientset "github.com/example/extension-apiserver/pkg/generated/clientset/versioned"
)

// watchStats is what one watcher saw: events, relists after its watch
// ended (a 410 Gone, or the replica going away), and resourceVersions that
// went backwards (which must never happen).
type watchStats struct {
	mu                         sync.Mutex
	events, relists, backwards int
	last                       uint64
}

func (s *watchStats) observe(rv string, relist bool) {
	v, err := strconv.ParseUint(rv, 10, 64)
	if err != nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if v < s.last {
		s.backwards++
	}
	s.last = v
	if relist {
		s.relists++
	} else {
		s.events++
	}
}

// seen is the newest resourceVersion the watcher has seen.
func (s *watchStats) seen() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last
}

// listWatcher lists and watches one resource through one replica.
type listWatcher struct {
	list func(ctx context.Context) (resourceVersion string, err error)
	// newest is the highest resourceVersion among the objects listed now.
	newest func(ctx context.Context) (uint64, error)
	watch  func(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error)
}

func cronTabs(cs clientset.Interface) listWatcher {
	crontabs := cs.StableV1().CronTabs("default")
	return newListWatcher(crontabs.List, crontabs.Watch)
}

func flunders(cs clientset.Interface) listWatcher {
	flunders := cs.WardleV1beta1().Flunders("default")
	return newListWatcher(flunders.List, flunders.Watch)
}

func newListWatcher[L interface {
	runtime.Object
	GetResourceVersion() string
}](list func(context.Context, metav1.ListOptions) (L, error),
	watchFunc func(context.Context, metav1.ListOptions) (watch.Interface, error)) listWatcher {
	return listWatcher{
		list: func(ctx context.Context) (string, error) {
			l, err := list(ctx, metav1.ListOptions{})
			if err != nil {
				return "", err
			}
			return l.GetResourceVersion(), nil
		},
		newest: func(ctx context.Context) (uint64, error) {
			l, err := list(ctx, metav1.ListOptions{})
			if err != nil {
				return 0, err
			}
			var newest uint64
			err = meta.EachListItem(l, func(obj runtime.Object) error {
				o, err := meta.Accessor(obj)
				if err != nil {
					return err
				}
				rv, err := strconv.ParseUint(o.GetResourceVersion(), 10, 64)
				newest = max(newest, rv)
				return err
			})
			return newest, err
		},
		watch: watchFunc,
	}
}

// watchObjects lists and watches a resource through one replica until ctx
// is done, relisting whenever the watch ends, as an informer does.
func watchObjects(ctx context.Context, lw listWatcher, stats *watchStats) {
	for ctx.Err() == nil {
		rv, err := lw.list(ctx)
		if err != nil {
			time.Sleep(500 * time.Millisecond) // spaces out relists while the replica is down, as an informer's backoff does
			continue
		}
		stats.observe(rv, true)
		w, err := lw.watch(ctx, metav1.ListOptions{ResourceVersion: rv, AllowWatchBookmarks: true})
		if err != nil {
			continue
		}
		for ev := range w.ResultChan() {
			if ev.Type == watch.Error {
				break // e.g. 410 Gone: relist
			}
			if obj, err := meta.Accessor(ev.Object); err == nil {
				stats.observe(obj.GetResourceVersion(), false)
			}
		}
		w.Stop()
	}
}
