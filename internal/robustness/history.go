// Package robustness records what clients of the server saw (operations on
// a few hot keys, lists, watch streams) with call and return times, and
// checks the record against a model of one object with porcupine and
// against the history etcd persisted, as etcd's robustness suite checks
// etcd itself.
package robustness

import (
	"encoding/json"
	"os"
	"slices"
	"sync"
	"time"
)

// OpKind is what an operation on one key does.
type OpKind string

const (
	Create OpKind = "create"
	Get    OpKind = "get"
	// Update is a PUT with a resourceVersion precondition.
	Update OpKind = "update"
	// Replace is a PUT without a resourceVersion: the last writer wins.
	Replace OpKind = "replace"
	// Patch is a JSON merge patch of the image.
	Patch OpKind = "patch"
	// Delete carries a resourceVersion precondition.
	Delete OpKind = "delete"
)

// Result is how an operation ended, as far as the client knows.
type Result string

const (
	OK            Result = "ok"
	NotFound      Result = "not-found"
	Conflict      Result = "conflict"
	AlreadyExists Result = "already-exists"
	// Unknown is a time-out, a lost connection or a 5xx: the operation may
	// or may not have taken effect.
	Unknown Result = "unknown"
)

// Object is the part of a CronTab the checks compare: every write sets a
// unique image, so an image names the write that made it.
type Object struct {
	Name    string            `json:"name"`
	Image   string            `json:"image,omitempty"`
	RV      int64             `json:"rv,omitempty"`
	Labels  map[string]string `json:"labels,omitempty"`
	Suspend bool              `json:"suspend,omitempty"`
}

// Operation is one call on one key.
type Operation struct {
	Client int    `json:"client"`
	Kind   OpKind `json:"kind"`
	Key    string `json:"key"`
	// Image is what a create, update, replace or patch writes.
	Image string `json:"image,omitempty"`
	// Precondition is the resourceVersion an update or delete requires.
	Precondition int64  `json:"precondition,omitempty"`
	Result       Result `json:"result"`
	// Output is the object a successful call returned.
	Output Object `json:"output"`
	Error  string `json:"error,omitempty"`
	// Call and Return are nanoseconds since the recording began.
	Call   int64 `json:"call"`
	Return int64 `json:"return"`
	// Via names the replica and encoding the call went through.
	Via string `json:"via,omitempty"`
}

func (o Operation) write() bool { return o.Kind != Get }

// List is one list call, all its pages.
type List struct {
	Client int `json:"client"`
	// ResourceVersion and Match are what the client asked for.
	ResourceVersion string `json:"resourceVersion"`
	Match           string `json:"match,omitempty"`
	Limit           int64  `json:"limit,omitempty"`
	Pages           []Page `json:"pages"`
	// Complete is set when the last page had no continue token.
	Complete bool   `json:"complete"`
	Call     int64  `json:"call"`
	Return   int64  `json:"return"`
	Via      string `json:"via,omitempty"`
}

// Page is what one list response held.
type Page struct {
	RV    int64    `json:"rv"`
	Items []Object `json:"items"`
}

// WatchSession is one watch stream: how it began, what it delivered and
// how it ended. A watcher's next session resumes where this one left off.
type WatchSession struct {
	Watcher int    `json:"watcher"`
	Session int    `json:"session"`
	Label   string `json:"labelSelector,omitempty"`
	Field   string `json:"fieldSelector,omitempty"`
	// From is the resourceVersion the watch began after; with
	// InitialEvents it is empty and the initial-events-end bookmark
	// names the resourceVersion of the initial state.
	From          int64 `json:"from,omitempty"`
	InitialEvents bool  `json:"initialEvents,omitempty"`
	// Call is when the watch was asked for.
	Call   int64        `json:"call"`
	Events []WatchEvent `json:"events"`
	// End is "gone" (410), "closed", "error: ..." or "stopped" (by the
	// recorder, after the last write was due).
	End string `json:"end"`
	Via string `json:"via,omitempty"`
}

// Watch event types, as the API names them, and the bookmark that ends
// the initial events of a watch with sendInitialEvents.
const (
	Added       = "ADDED"
	Modified    = "MODIFIED"
	Deleted     = "DELETED"
	Bookmark    = "BOOKMARK"
	InitialsEnd = "BOOKMARK(initial-events-end)"
)

// WatchEvent is one delivered event.
type WatchEvent struct {
	Type   string `json:"type"`
	Object Object `json:"object"`
}

// Recorded is everything the clients saw.
type Recorded struct {
	Ops     []Operation    `json:"operations"`
	Lists   []List         `json:"lists"`
	Watches []WatchSession `json:"watches"`
	// Rewriting are the times when writers other than the recorded
	// clients (the server's storage migration, a controller writing
	// status) may have rewritten objects, leaving their image as it was.
	Rewriting []Window `json:"rewriting,omitempty"`
}

// Window is a span of the recording's clock.
type Window struct {
	From int64 `json:"from"`
	To   int64 `json:"to"`
}

// History records concurrently, timing calls by one clock.
type History struct {
	start time.Time

	mu       sync.Mutex
	recorded Recorded
}

// NewHistory starts the clock the calls are timed by.
func NewHistory() *History { return &History{start: time.Now()} }

// Fork is another history on the same clock: one whose calls are checked
// apart, and together with this one by Merge.
func (h *History) Fork() *History { return &History{start: h.start} }

// Merge is both records in one.
func (r Recorded) Merge(o Recorded) Recorded {
	return Recorded{Ops: append(slices.Clone(r.Ops), o.Ops...), Lists: append(slices.Clone(r.Lists), o.Lists...),
		Watches: append(slices.Clone(r.Watches), o.Watches...), Rewriting: append(slices.Clone(r.Rewriting), o.Rewriting...)}
}

// Now is the time since the recording began, in nanoseconds.
func (h *History) Now() int64 { return int64(time.Since(h.start)) }

// record changes the record under the lock.
func (h *History) record(change func(r *Recorded)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	change(&h.recorded)
}

func (h *History) addOp(o Operation) { h.record(func(r *Recorded) { r.Ops = append(r.Ops, o) }) }
func (h *History) addList(l List)    { h.record(func(r *Recorded) { r.Lists = append(r.Lists, l) }) }
func (h *History) addWatch(w WatchSession) {
	h.record(func(r *Recorded) { r.Watches = append(r.Watches, w) })
}

// Rewriting records a window in which others may rewrite objects.
func (h *History) Rewriting(w Window) {
	h.record(func(r *Recorded) { r.Rewriting = append(r.Rewriting, w) })
}

// Recorded copies what is recorded so far.
func (h *History) Recorded() Recorded {
	h.mu.Lock()
	defer h.mu.Unlock()
	r := h.recorded
	return Recorded{Ops: slices.Clone(r.Ops), Lists: slices.Clone(r.Lists), Watches: slices.Clone(r.Watches), Rewriting: slices.Clone(r.Rewriting)}
}

func writeJSON(path string, v any) error {
	data, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}
