package robustness

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The persisted history every case below is checked against: a is created
// at 10, updated at 11 and 13, deleted at 14; b is created at 12 (red),
// turned blue at 15.
var persisted = Persisted{
	{Rev: 10, Object: Object{Name: "a", Image: "a1", RV: 10}},
	{Rev: 11, Object: Object{Name: "a", Image: "a2", RV: 11}, Prev: &Object{Name: "a", Image: "a1", RV: 10}},
	{Rev: 12, Object: Object{Name: "b", Image: "b1", RV: 12, Labels: map[string]string{"color": "red"}}},
	{Rev: 13, Object: Object{Name: "a", Image: "a3", RV: 13}, Prev: &Object{Name: "a", Image: "a2", RV: 11}},
	{Rev: 14, Object: Object{Name: "a", RV: 14}, Deleted: true, Prev: &Object{Name: "a", Image: "a3", RV: 13}},
	{Rev: 15, Object: Object{Name: "b", Image: "b2", RV: 15, Labels: map[string]string{"color": "blue"}},
		Prev: &Object{Name: "b", Image: "b1", RV: 12, Labels: map[string]string{"color": "red"}}},
}

// correct is a history of the persisted one as a linearizable server
// would have answered it; each case breaks one thing in a copy.
func correct() Recorded {
	op := func(client int, kind OpKind, image string, pre int64, result Result, out Object, call, ret int64) Operation {
		return Operation{Client: client, Kind: kind, Key: out.Name, Image: image, Precondition: pre, Result: result, Output: out, Call: call, Return: ret}
	}
	a := func(image string, rv int64) Object { return Object{Name: "a", Image: image, RV: rv} }
	return Recorded{
		Ops: []Operation{
			op(0, Create, "a1", 0, OK, a("a1", 10), 0, 10),
			op(1, Create, "a9", 0, AlreadyExists, a("", 0), 5, 15),
			op(0, Update, "a2", 10, OK, a("a2", 11), 20, 30),
			op(1, Update, "a8", 10, Conflict, a("", 0), 25, 35),
			op(1, Get, "", 0, OK, a("a2", 11), 40, 45),
			// Concurrent with the replace, the get may see either value.
			op(0, Replace, "a3", 0, OK, a("a3", 13), 50, 70),
			op(1, Get, "", 0, OK, a("a2", 11), 55, 60),
			// A patch that timed out and that etcd does not hold.
			op(2, Patch, "a7", 0, Unknown, a("", 0), 56, 58),
			op(0, Delete, "", 13, OK, a("", 0), 80, 90),
			op(1, Get, "", 0, NotFound, a("", 0), 95, 99),
		},
		Lists: []List{
			{ResourceVersion: "", Pages: []Page{{RV: 13, Items: []Object{{Name: "a", Image: "a3", RV: 13}, {Name: "b", Image: "b1", RV: 12}}}}, Complete: true, Call: 75, Return: 78},
			{ResourceVersion: "11", Match: "Exact", Limit: 1, Pages: []Page{{RV: 11, Items: []Object{{Name: "a", Image: "a2", RV: 11}}}, {RV: 11}}, Complete: true, Call: 75, Return: 78},
		},
		Watches: []WatchSession{
			{Watcher: 0, Session: 0, From: 10, End: "closed", Events: []WatchEvent{
				{Type: Modified, Object: Object{Name: "a", Image: "a2", RV: 11}},
				{Type: Added, Object: Object{Name: "b", Image: "b1", RV: 12}},
			}},
			{Watcher: 0, Session: 1, From: 12, End: "stopped", Events: []WatchEvent{
				{Type: Modified, Object: Object{Name: "a", Image: "a3", RV: 13}},
				{Type: Bookmark, Object: Object{RV: 13}},
				{Type: Deleted, Object: Object{Name: "a", Image: "a3", RV: 14}},
				{Type: Modified, Object: Object{Name: "b", Image: "b2", RV: 15}},
			}},
			{Watcher: 1, InitialEvents: true, Label: "color=red", Call: 75, End: "stopped", Events: []WatchEvent{
				{Type: Added, Object: Object{Name: "b", Image: "b1", RV: 12}},
				{Type: InitialsEnd, Object: Object{RV: 13}},
				{Type: Deleted, Object: Object{Name: "b", Image: "b1", RV: 15}},
			}},
		},
	}
}

func TestCorrectHistoryPasses(t *testing.T) {
	r := Check(correct(), persisted, time.Minute)
	for _, f := range r.Failures {
		t.Error(f)
	}
	if r.Dropped != 1 || r.Resolved != 0 {
		t.Errorf("unknown outcomes: dropped %d, resolved %d; want the timed-out patch dropped", r.Dropped, r.Resolved)
	}
}

// Each case is a bug the checker must catch, made by hand.
func TestCheckerCatchesHandMadeAnomalies(t *testing.T) {
	cases := []struct {
		name  string
		spoil func(h *Recorded)
		want  string // kind: start of the detail
	}{
		{"stale read: a get after an acknowledged update returns the old value", func(h *Recorded) {
			h.Ops[4].Output = Object{Name: "a", Image: "a1", RV: 10}
		}, "linearizability: the operations on a"},
		{"lost update: two updates with the same precondition both succeed", func(h *Recorded) {
			h.Ops[3].Result, h.Ops[3].Output = OK, Object{Name: "a", Image: "a8", RV: 12}
		}, "lost-write: acknowledged update of a (image a8)"},
		{"lost update, persisted: a conflict the model says should have succeeded", func(h *Recorded) {
			h.Ops[2].Result = Conflict
		}, "linearizability: the operations on a"},
		{"an acknowledged write etcd does not hold", func(h *Recorded) {
			h.Ops[5].Output.RV = 16
		}, "lost-write: acknowledged replace of a"},
		{"stale consistent list", func(h *Recorded) {
			h.Lists[0].Pages[0] = Page{RV: 11, Items: []Object{{Name: "a", Image: "a2", RV: 11}}}
			h.Lists[0].Call = 100
		}, "list: consistent list answered at resourceVersion 11"},
		{"list content other than etcd's at its resourceVersion", func(h *Recorded) {
			h.Lists[0].Pages[0].Items = h.Lists[0].Pages[0].Items[:1]
		}, "list: at resourceVersion 13 etcd held b"},
		{"pages at different resourceVersions", func(h *Recorded) {
			h.Lists[1].Pages[1].RV = 12
		}, "list: page 1 is at resourceVersion 12"},
		{"reordered watch", func(h *Recorded) {
			e := h.Watches[0].Events
			e[0], e[1] = e[1], e[0]
		}, "watch: watcher 0 session 0 (from 10): delivered ADDED b"},
		{"duplicate watch event", func(h *Recorded) {
			h.Watches[0].Events = append(h.Watches[0].Events[:1], h.Watches[0].Events...)
		}, "watch: watcher 0 session 0 (from 10): delivered MODIFIED a image=a2 rv=11, the next event"},
		{"gap after resumption", func(h *Recorded) {
			h.Watches[1].Events = h.Watches[1].Events[1:]
		}, "watch: watcher 0 session 1 (from 12): bookmark at 13 is ahead of the undelivered MODIFIED of a at 13"},
		{"gap after resumption, no bookmark to show it", func(h *Recorded) {
			h.Watches[1].Events = h.Watches[1].Events[2:]
		}, "watch: watcher 0 session 1 (from 12): delivered DELETED a image=a3 rv=14, the next event etcd's history holds after 12 is MODIFIED a"},
		{"bookmark ahead of an event not yet delivered", func(h *Recorded) {
			h.Watches[1].Events[1].Object.RV = 14
		}, "watch: watcher 0 session 1 (from 12): bookmark at 14 is ahead of the undelivered DELETED of a at 14"},
		{"initial events other than the state at their bookmark", func(h *Recorded) {
			h.Watches[2].Events[1].Object.RV = 11
			h.Watches[2].Call = 15 // before the writes after 11 were acknowledged
		}, "watch: watcher 1 session 0 (with initial events, labels color=red): initial event for b, which was not in the selection at 11"},
		{"initial events older than a write acknowledged before the watch", func(h *Recorded) {
			h.Watches[2].Call = 95
		}, "watch: watcher 1 session 0 (with initial events, labels color=red): the initial events are at 13, but the delete of a was acknowledged at 14"},
		{"a consistent list that misses an acknowledged delete", func(h *Recorded) {
			h.Lists[0].Call = 95
		}, "list: consistent list answered at resourceVersion 13, but the delete of a was acknowledged at 14"},
		{"an object leaving a selection is not a deletion", func(h *Recorded) {
			h.Watches[2].Events[2].Type = Modified
		}, "watch: watcher 1 session 0 (with initial events, labels color=red): delivered MODIFIED b"},
		{"a stream stopped with events not delivered", func(h *Recorded) {
			h.Watches[1].Events = h.Watches[1].Events[:3]
		}, "watch: watcher 0 session 1 (from 12): stopped with 1 events never delivered"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := correct()
			c.spoil(&h)
			r := Check(h, persisted, time.Minute)
			var found bool
			for _, f := range r.Failures {
				found = found || strings.HasPrefix(f.String(), c.want)
			}
			if !found {
				t.Errorf("want a failure starting %q; got %v", c.want, r.Failures)
			}
		})
	}
}

func TestUnknownWritesAreDecidedByEtcdsHistory(t *testing.T) {
	h := correct()
	// The replace timed out but etcd holds its image: applied at 13, and a
	// later get that saw it is linearizable.
	h.Ops[5].Result, h.Ops[5].Output = Unknown, Object{}
	h.Ops = append(h.Ops, Operation{Client: 2, Kind: Get, Key: "a", Result: OK, Output: Object{Name: "a", Image: "a3", RV: 13}, Call: 72, Return: 74})
	r := Check(h, persisted, time.Minute)
	if len(r.Failures) != 0 || r.Resolved != 1 {
		t.Errorf("failures %v, resolved %d; want none and the replace resolved", r.Failures, r.Resolved)
	}
}

func TestTheServersOwnRewritesAreWritesOfTheirOwn(t *testing.T) {
	// The storage migration rewrote a2 at 12 as it was; a get saw it.
	rewritten := append(Persisted(nil), persisted[:2]...)
	rewritten = append(rewritten, Stored{Rev: 12, Object: Object{Name: "a", Image: "a2", RV: 12}, Prev: &Object{Name: "a", Image: "a2", RV: 11}})
	h := Recorded{Ops: correct().Ops[:4], Rewriting: []Window{{From: 30, To: 50}}}
	h.Ops = append(h.Ops, Operation{Client: 1, Kind: Get, Key: "a", Result: OK, Output: Object{Name: "a", Image: "a2", RV: 12}, Call: 40, Return: 45})
	r := Check(h, rewritten, time.Minute)
	if len(r.Failures) != 0 || r.Rewrites != 1 {
		t.Errorf("failures %v, rewrites %d; want none and the rewrite counted", r.Failures, r.Rewrites)
	}
	// Without the rewrite in etcd, the same get is a read of nothing written.
	if r := Check(h, persisted[:2], time.Minute); len(r.Failures) == 0 {
		t.Error("a get of a resourceVersion no write made passed")
	}
	// A rewrite outside any migration is a write nobody made.
	h.Rewriting = nil
	if r := Check(h, rewritten, time.Minute); len(r.Failures) == 0 {
		t.Error("a rewrite with no migration running passed")
	}
}

func TestFailingHistoryIsWrittenWithItsVisualisation(t *testing.T) {
	h := correct()
	h.Ops[4].Output = Object{Name: "a", Image: "a1", RV: 10}
	r := Check(h, persisted, time.Minute)
	dir := t.TempDir()
	if err := r.Write(dir, h, persisted); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"history.html", "history.json", "etcd-history.json", "failures.json"} {
		if fi, err := os.Stat(filepath.Join(dir, name)); err != nil || fi.Size() == 0 {
			t.Errorf("%s: %v", name, err)
		}
	}
	minimal := r.Failures[0].Evidence.([]Operation)
	if len(minimal) >= len(onKey(h.Ops, "a")) || len(minimal) < 2 {
		t.Errorf("the smallest failing subset has %d of %d operations", len(minimal), len(onKey(h.Ops, "a")))
	}
}
