package faults

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/cache"

	"github.com/example/extension-apiserver/internal/testutil"
	stablev1 "github.com/example/extension-apiserver/pkg/apis/stable/v1"
	clientset "github.com/example/extension-apiserver/pkg/generated/clientset/versioned"
)

// resumingWatcher keeps the CronTabs it listed up to date from a watch and,
// as a client should, resumes a broken watch from the last resourceVersion
// it saw, relisting only when the server answers 410 Gone.
type resumingWatcher struct {
	mu      sync.Mutex
	objects map[string]string // name -> resourceVersion
	lastRV  string
	relists []time.Time
}

func startResumingWatcher(t *testing.T, cs clientset.Interface) *resumingWatcher {
	ctx, cancel := context.WithCancel(context.Background())
	w := &resumingWatcher{}
	done := make(chan struct{})
	t.Cleanup(func() { cancel(); <-done })
	crontabs := cs.StableV1().CronTabs("default")
	go func() {
		defer close(done)
		relist := true
		for ctx.Err() == nil {
			if relist {
				list, err := crontabs.List(ctx, metav1.ListOptions{})
				if err != nil {
					time.Sleep(200 * time.Millisecond) // the replica is down: retry, as a reflector's backoff does
					continue
				}
				w.mu.Lock()
				w.objects = map[string]string{}
				for _, ct := range list.Items {
					w.objects[ct.Name] = ct.ResourceVersion
				}
				if w.lastRV != "" {
					w.relists = append(w.relists, time.Now())
				}
				w.lastRV = list.ResourceVersion
				w.mu.Unlock()
				relist = false
			}
			w.mu.Lock()
			from := w.lastRV
			w.mu.Unlock()
			stream, err := crontabs.Watch(ctx, metav1.ListOptions{ResourceVersion: from, AllowWatchBookmarks: true})
			if err != nil {
				relist = apierrors.IsResourceExpired(err) || apierrors.IsGone(err)
				time.Sleep(200 * time.Millisecond) // the replica is down, or etcd is behind the resourceVersion: retry
				continue
			}
			relist = w.consume(stream)
			stream.Stop()
		}
	}()
	return w
}

// consume applies events until the stream ends; it reports whether the
// server said to relist.
func (w *resumingWatcher) consume(stream watch.Interface) (relist bool) {
	for e := range stream.ResultChan() {
		w.mu.Lock()
		switch e.Type {
		case watch.Error:
			w.mu.Unlock()
			err := apierrors.FromObject(e.Object)
			return apierrors.IsResourceExpired(err) || apierrors.IsGone(err)
		case watch.Bookmark:
			w.lastRV = e.Object.(metav1.Object).GetResourceVersion()
		case watch.Deleted:
			o := e.Object.(metav1.Object)
			delete(w.objects, o.GetName())
			w.lastRV = o.GetResourceVersion()
		default:
			o := e.Object.(metav1.Object)
			w.objects[o.GetName()] = o.GetResourceVersion()
			w.lastRV = o.GetResourceVersion()
		}
		w.mu.Unlock()
	}
	return false
}

// waitForList waits until the watcher holds its first list.
func (w *resumingWatcher) waitForList(t *testing.T) {
	t.Helper()
	testutil.WaitFor(t, time.Minute, "the watcher to hold its list", func(context.Context) (bool, error) {
		w.mu.Lock()
		defer w.mu.Unlock()
		return w.objects != nil, nil
	})
}

func (w *resumingWatcher) relistedAfter(since time.Time) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, at := range w.relists {
		if at.After(since) {
			return true
		}
	}
	return false
}

// waitForRelist waits for a relist after since and returns when it was.
func (w *resumingWatcher) waitForRelist(t *testing.T, since time.Time) time.Time {
	t.Helper()
	var at time.Time
	testutil.WaitFor(t, time.Minute, "the watcher to get 410 Gone and relist", func(context.Context) (bool, error) {
		w.mu.Lock()
		defer w.mu.Unlock()
		for _, r := range w.relists {
			if r.After(since) || r.Equal(since) {
				at = r
				return true, nil
			}
		}
		return false, nil
	})
	return at
}

func (w *resumingWatcher) waitForObject(t *testing.T, name string) {
	t.Helper()
	testutil.WaitFor(t, time.Minute, "the watcher to see "+name, func(context.Context) (bool, error) {
		w.mu.Lock()
		defer w.mu.Unlock()
		_, ok := w.objects[name]
		return ok, nil
	})
}

// staleAgainst lists what the watcher holds that the server does not, or
// holds at another resourceVersion.
func (w *resumingWatcher) staleAgainst(t *testing.T, cs clientset.Interface) []string {
	t.Helper()
	served := servedCronTabs(t, cs)
	w.mu.Lock()
	defer w.mu.Unlock()
	var stale []string
	for name, rv := range w.objects {
		if served[name] != rv {
			stale = append(stale, name)
		}
	}
	sort.Strings(stale)
	return stale
}

// waitForState waits until the watcher holds exactly what the server lists.
func (w *resumingWatcher) waitForState(t *testing.T, cs clientset.Interface) {
	t.Helper()
	testutil.WaitForNoError(t, time.Minute, "the watcher to hold what the server lists", func(context.Context) error {
		served := servedCronTabs(t, cs)
		w.mu.Lock()
		defer w.mu.Unlock()
		return sameCronTabs(w.objects, served)
	})
}

func waitInformerConverged(t *testing.T, informer cache.SharedIndexInformer, cs clientset.Interface) {
	t.Helper()
	testutil.WaitForNoError(t, time.Minute, "the informer to hold what the server lists", func(context.Context) error {
		held := map[string]string{}
		for _, obj := range informer.GetStore().List() {
			ct := obj.(*stablev1.CronTab)
			held[ct.Name] = ct.ResourceVersion
		}
		return sameCronTabs(held, servedCronTabs(t, cs))
	})
}

func sameCronTabs(held, served map[string]string) error {
	for name, rv := range served {
		if held[name] != rv {
			return fmt.Errorf("%s: held at resourceVersion %q, served at %s", name, held[name], rv)
		}
	}
	for name := range held {
		if _, ok := served[name]; !ok {
			return fmt.Errorf("%s is held but no longer served", name)
		}
	}
	return nil
}

func servedCronTabs(t *testing.T, cs clientset.Interface) map[string]string {
	t.Helper()
	list, err := cs.StableV1().CronTabs("default").List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	served := map[string]string{}
	for _, ct := range list.Items {
		served[ct.Name] = ct.ResourceVersion
	}
	return served
}
