package robustness

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/utils/ptr"

	stablev1 "github.com/example/extension-apiserver/pkg/apis/stable/v1"
)

// WatchSpec is how a watcher begins: with initial events, or from a
// consistent list; with or without selectors.
type WatchSpec struct {
	InitialEvents bool
	Label, Field  string
}

// watcher watches until stopped, resuming each lost stream from the last
// resourceVersion it saw, as a reflector does, and starting afresh after a
// 410.
type watcher struct {
	id   int
	spec WatchSpec
	ep   Endpoint

	mu       sync.Mutex
	current  WatchSession
	position int64
	started  bool // position is valid
}

// Watch starts a watcher; it runs until ctx ends, and its last stream is
// recorded as stopped.
func (r *Recorder) Watch(ctx context.Context, id int, ep Endpoint, spec WatchSpec) {
	w := &watcher{id: id, spec: spec, ep: ep}
	r.mu.Lock()
	r.watchers = append(r.watchers, w)
	r.mu.Unlock()
	for session := 0; ctx.Err() == nil; session++ {
		s := w.begin(ctx, r, session)
		if s == nil {
			// Nothing to watch from yet (the list failed) or the watch was
			// refused: try again shortly.
			select {
			case <-ctx.Done():
			case <-time.After(100 * time.Millisecond):
			}
			continue
		}
		r.History.addWatch(*s)
	}
}

// begin opens one stream and records it until it ends.
func (w *watcher) begin(ctx context.Context, r *Recorder, session int) *WatchSession {
	s := WatchSession{Watcher: w.id, Session: session, Label: w.spec.Label, Field: w.spec.Field, Via: w.ep.Name}
	opts := metav1.ListOptions{LabelSelector: w.spec.Label, FieldSelector: w.spec.Field, AllowWatchBookmarks: true}
	w.mu.Lock()
	started, position := w.started, w.position
	w.mu.Unlock()
	switch {
	case started:
		s.From = position
	case w.spec.InitialEvents:
		s.InitialEvents = true
		opts.SendInitialEvents = ptr.To(true)
		opts.ResourceVersionMatch = metav1.ResourceVersionMatchNotOlderThan
	default:
		l := List{Client: 1000 + w.id, Via: w.ep.Name}
		if !r.recordList(ctx, w.ep.Client, &l) || !l.Complete {
			return nil
		}
		s.From = l.Pages[0].RV
	}
	if !s.InitialEvents {
		opts.ResourceVersion = strconv.FormatInt(s.From, 10)
	}
	s.Call = r.History.Now()
	stream, err := w.ep.Client.StableV1().CronTabs(r.Namespace).Watch(ctx, opts)
	if err != nil {
		if ctx.Err() == nil {
			r.classify(err)
		}
		return nil
	}
	defer stream.Stop()
	w.setCurrent(s, s.From, !s.InitialEvents)
	for {
		var ev watch.Event
		var ok bool
		select {
		case ev, ok = <-stream.ResultChan():
		case <-ctx.Done():
			s = w.snapshot()
			s.End = "stopped"
			return &s
		}
		if !ok {
			s = w.snapshot()
			s.End = "closed"
			return &s
		}
		if ev.Type == watch.Error {
			s = w.snapshot()
			err := apierrors.FromObject(ev.Object)
			if apierrors.IsResourceExpired(err) || apierrors.IsGone(err) || statusCode(err) == http.StatusGone {
				s.End = "gone"
				w.mu.Lock()
				w.started = false // start afresh: a list, or initial events
				w.mu.Unlock()
			} else {
				s.End = "error: " + err.Error()
			}
			return &s
		}
		e, err := eventOf(ev)
		if err != nil {
			s = w.snapshot()
			s.End = "error: " + err.Error()
			return &s
		}
		w.deliver(e)
	}
}

func statusCode(err error) int32 {
	var status apierrors.APIStatus
	if errors.As(err, &status) {
		return status.Status().Code
	}
	return 0
}

func eventOf(ev watch.Event) (WatchEvent, error) {
	if ev.Type == watch.Bookmark {
		m, err := meta.Accessor(ev.Object)
		if err != nil {
			return WatchEvent{}, err
		}
		rv, _ := strconv.ParseInt(m.GetResourceVersion(), 10, 64)
		e := WatchEvent{Type: Bookmark, Object: Object{RV: rv}}
		if m.GetAnnotations()[metav1.InitialEventsAnnotationKey] == "true" {
			e.Type = InitialsEnd
		}
		return e, nil
	}
	ct, ok := ev.Object.(*stablev1.CronTab)
	if !ok {
		return WatchEvent{}, fmt.Errorf("a %s event of a %T", ev.Type, ev.Object)
	}
	return WatchEvent{Type: string(ev.Type), Object: objectOf(ct)}, nil
}

func (w *watcher) setCurrent(s WatchSession, position int64, started bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.current, w.position, w.started = s, position, started
}

func (w *watcher) deliver(e WatchEvent) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.current.Events = append(w.current.Events, e)
	switch {
	case e.Type == InitialsEnd:
		w.position, w.started = e.Object.RV, true
	case w.started:
		w.position = e.Object.RV
	}
}

func (w *watcher) snapshot() WatchSession {
	w.mu.Lock()
	defer w.mu.Unlock()
	s := w.current
	s.Events = append([]WatchEvent(nil), s.Events...)
	return s
}

// WatchersCaughtUp tells whether every watcher's current stream has
// delivered everything the persisted history holds for it; the ones that
// have not are described.
func (r *Recorder) WatchersCaughtUp(persisted Persisted) (bool, string) {
	r.mu.Lock()
	watchers := append([]*watcher(nil), r.watchers...)
	r.mu.Unlock()
	for _, w := range watchers {
		w.mu.Lock()
		started, position, spec := w.started, w.position, w.spec
		w.mu.Unlock()
		if !started {
			return false, fmt.Sprintf("watcher %d has not (re)started", w.id)
		}
		expected, err := persisted.Events(position, Selector{Label: spec.Label, Field: spec.Field})
		if err != nil {
			return false, err.Error()
		}
		if len(expected) > 0 {
			return false, fmt.Sprintf("watcher %d is at %d, %d events behind", w.id, position, len(expected))
		}
	}
	return true, ""
}
