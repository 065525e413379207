package robustness

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	clientv3 "go.etcd.io/etcd/client/v3"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
)

// Stored is one write etcd persisted under the recorded prefix.
type Stored struct {
	Rev     int64  `json:"rev"`
	Object  Object `json:"object"`
	Deleted bool   `json:"deleted,omitempty"`
	// Prev is the value the write replaced; nil for a create.
	Prev *Object `json:"prev,omitempty"`
}

// Persisted is the history etcd holds, in revision order: what every
// client read and watch is checked against.
type Persisted []Stored

// At is the state at revision rev: every object by name.
func (p Persisted) At(rev int64) map[string]Object {
	state := map[string]Object{}
	for _, s := range p {
		if s.Rev > rev {
			break
		}
		if s.Deleted {
			delete(state, s.Object.Name)
		} else {
			state[s.Object.Name] = s.Object
		}
	}
	return state
}

// Selector is a watch's label and field selector.
type Selector struct{ Label, Field string }

// Matches tells whether an object is in the selection. Field selectors may
// use metadata.name and spec.suspend, the fields the recorder varies.
func (s Selector) Matches(o Object) (bool, error) {
	if s.Label != "" {
		sel, err := labels.Parse(s.Label)
		if err != nil {
			return false, err
		}
		if !sel.Matches(labels.Set(o.Labels)) {
			return false, nil
		}
	}
	if s.Field != "" {
		sel, err := fields.ParseSelector(s.Field)
		if err != nil {
			return false, err
		}
		if !sel.Matches(fields.Set{"metadata.name": o.Name, "spec.suspend": strconv.FormatBool(o.Suspend)}) {
			return false, nil
		}
	}
	return true, nil
}

// Events are the watch events a watch with the selector must deliver
// after revision from: an object entering the selection is ADDED, one
// leaving it DELETED.
func (p Persisted) Events(after int64, sel Selector) ([]WatchEvent, error) {
	i := sort.Search(len(p), func(i int) bool { return p[i].Rev > after })
	var events []WatchEvent
	for _, s := range p[i:] {
		was := false
		if s.Prev != nil {
			m, err := sel.Matches(*s.Prev)
			if err != nil {
				return nil, err
			}
			was = m
		}
		is := false
		if !s.Deleted {
			m, err := sel.Matches(s.Object)
			if err != nil {
				return nil, err
			}
			is = m
		}
		obj := s.Object
		obj.RV = s.Rev
		switch {
		case was && is:
			events = append(events, WatchEvent{Type: Modified, Object: obj})
		case is:
			events = append(events, WatchEvent{Type: Added, Object: obj})
		case was:
			// Deleted or left the selection: the last content it had in the
			// selection, at the revision it went.
			obj = *s.Prev
			obj.RV = s.Rev
			events = append(events, WatchEvent{Type: Deleted, Object: obj})
		}
	}
	return events, nil
}

// EtcdRecorder watches the prefix in etcd from a revision on and keeps
// every write, with the value before it: the history read back from etcd.
// A watch that is already past a revision is not affected by compacting
// it, so compaction is a fault the checks survive.
type EtcdRecorder struct {
	mu       sync.Mutex
	events   Persisted
	progress int64
	err      error
	progc    chan struct{}
}

// RecordEtcd starts recording writes under prefix after revision from.
// decode turns a stored value into the compared fields.
func RecordEtcd(ctx context.Context, client *clientv3.Client, prefix string, from int64, decode func(key string, value []byte) (Object, error)) *EtcdRecorder {
	r := &EtcdRecorder{progress: from, progc: make(chan struct{}, 1)}
	// Without WithRequireLeader: a member cut off from its peers holds the
	// watch until it is healed, and a lost member's watch moves to another
	// one from the last revision delivered, so nothing is skipped.
	w := client.Watch(ctx, prefix, clientv3.WithPrefix(), clientv3.WithRev(from+1), clientv3.WithPrevKV(), clientv3.WithProgressNotify())
	go func() {
		for resp := range w {
			if err := resp.Err(); err != nil {
				r.fail(fmt.Errorf("etcd history watch ended at revision %d: %w", r.Progress(), err))
				return
			}
			stored, err := storedEvents(resp.Events, decode)
			if err != nil {
				r.fail(err)
				return
			}
			r.mu.Lock()
			r.events = append(r.events, stored...)
			// A response's header revision can be ahead of its events when
			// etcd sends a lagging watch's events in batches; only a
			// progress notification vouches for everything up to it.
			if len(stored) > 0 {
				r.progress = max(r.progress, stored[len(stored)-1].Rev)
			}
			if resp.IsProgressNotify() {
				r.progress = max(r.progress, resp.Header.Revision)
			}
			r.mu.Unlock()
			select {
			case r.progc <- struct{}{}:
			default:
			}
		}
		if ctx.Err() != nil {
			return // stopped by the caller
		}
		r.fail(fmt.Errorf("etcd history watch closed at revision %d", r.Progress()))
	}()
	return r
}

func storedEvents(events []*clientv3.Event, decode func(key string, value []byte) (Object, error)) ([]Stored, error) {
	var stored []Stored
	for _, ev := range events {
		// A delete's ModRevision is the revision of the delete.
		s := Stored{Rev: ev.Kv.ModRevision, Deleted: ev.Type == clientv3.EventTypeDelete}
		name := key(string(ev.Kv.Key))
		s.Object = Object{Name: name}
		if !s.Deleted {
			var err error
			if s.Object, err = decode(name, ev.Kv.Value); err != nil {
				return nil, fmt.Errorf("revision %d: %w", s.Rev, err)
			}
		}
		s.Object.RV = s.Rev
		if ev.PrevKv != nil {
			prev, err := decode(name, ev.PrevKv.Value)
			if err != nil {
				return nil, fmt.Errorf("revision %d, previous value: %w", s.Rev, err)
			}
			prev.RV = ev.PrevKv.ModRevision
			s.Prev = &prev
		}
		stored = append(stored, s)
	}
	return stored, nil
}

func key(k string) string { return k[strings.LastIndex(k, "/")+1:] }

func (r *EtcdRecorder) fail(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err == nil {
		r.err = err
	}
}

// Progress is the revision up to which every write has been recorded.
func (r *EtcdRecorder) Progress() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.progress
}

// CaughtUp waits until every write up to revision rev is recorded.
func (r *EtcdRecorder) CaughtUp(ctx context.Context, client *clientv3.Client, rev int64) error {
	for {
		r.mu.Lock()
		progress, err := r.progress, r.err
		r.mu.Unlock()
		if err != nil {
			return err
		}
		if progress >= rev {
			return nil
		}
		// The answer is a progress notification on the recording watch
		// (same outgoing metadata, so the same stream).
		_ = client.RequestProgress(ctx)
		select {
		case <-r.progc:
		case <-ctx.Done():
			return fmt.Errorf("the etcd history reached revision %d, not %d: %w", progress, rev, ctx.Err())
		}
	}
}

// Persisted is what is recorded so far, or the error that stopped it.
func (r *EtcdRecorder) Persisted() (Persisted, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append(Persisted(nil), r.events...), r.err
}
