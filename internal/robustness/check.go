package robustness

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"time"

	"github.com/anishathalye/porcupine"
)

// Failure is one broken guarantee, with the smallest part of the history
// that shows it.
type Failure struct {
	Kind     string `json:"kind"` // linearizability, lost-write, list, watch
	Detail   string `json:"detail"`
	Evidence any    `json:"evidence,omitempty"`
}

func (f Failure) String() string { return f.Kind + ": " + f.Detail }

// Report is the outcome of checking one history.
type Report struct {
	Operations, Lists, WatchSessions, WatchEvents, PersistedWrites int
	// WatchesGone counts the streams that ended with 410 Gone.
	WatchesGone int
	// Resolved counts operations of unknown outcome that etcd's history
	// showed applied; Dropped those it showed were not (and unknown reads).
	Resolved, Dropped int
	// Rewrites are the writes of other writers that kept the image.
	Rewrites int
	// PorcupineTime is how long the linearizability check took.
	PorcupineTime time.Duration
	Failures      []Failure

	linearization porcupine.LinearizationInfo
	failedKeys    []string
	ops           []Operation
}

// Check checks the history the clients saw against the model and against
// what etcd persisted; timeout bounds porcupine's search.
func Check(h Recorded, persisted Persisted, timeout time.Duration) *Report {
	r := &Report{Operations: len(h.Ops), Lists: len(h.Lists), WatchSessions: len(h.Watches), PersistedWrites: len(persisted)}
	for _, w := range h.Watches {
		r.WatchEvents += len(w.Events)
		if w.End == "gone" {
			r.WatchesGone++
		}
	}
	r.checkAcknowledgedWrites(h.Ops, persisted)
	r.checkLinearizable(h.Ops, persisted, h.Rewriting, timeout)
	acked := acknowledged(h.Ops, persisted)
	for _, l := range h.Lists {
		if f := checkList(l, persisted, acked); f != nil {
			r.Failures = append(r.Failures, *f)
		}
	}
	for _, w := range h.Watches {
		if f := checkWatch(w, persisted, acked); f != nil {
			r.Failures = append(r.Failures, *f)
		}
	}
	return r
}

// checkAcknowledgedWrites: every write the server acknowledged is in etcd
// at the resourceVersion it returned.
func (r *Report) checkAcknowledgedWrites(ops []Operation, persisted Persisted) {
	byRev := map[int64]Stored{}
	for _, s := range persisted {
		byRev[s.Rev] = s
	}
	for _, op := range ops {
		if !op.write() || op.Result != OK {
			continue
		}
		s, ok := byRev[op.Output.RV]
		switch {
		case op.Kind == Delete:
			found := false
			for _, s := range persisted {
				if s.Deleted && s.Object.Name == op.Key && s.Prev != nil && s.Prev.RV == op.Precondition {
					found = true
				}
			}
			if !found {
				r.Failures = append(r.Failures, Failure{Kind: "lost-write", Detail: fmt.Sprintf("acknowledged delete of %s at rv %d is not in etcd", op.Key, op.Precondition), Evidence: op})
			}
		case !ok || s.Deleted || s.Object.Name != op.Key || s.Object.Image != op.Image:
			r.Failures = append(r.Failures, Failure{Kind: "lost-write",
				Detail: fmt.Sprintf("acknowledged %s of %s (image %s) at rv %d is not in etcd", op.Kind, op.Key, op.Image, op.Output.RV), Evidence: op})
		}
	}
}

func (r *Report) checkLinearizable(ops []Operation, persisted Persisted, rewriting []Window, timeout time.Duration) {
	resolved := resolve(ops, persisted, rewriting)
	for _, op := range ops {
		if op.Result == Unknown {
			r.Dropped++
		}
	}
	for _, op := range resolved {
		switch {
		case op.Client == Rewriter:
			r.Rewrites++
		case op.Return == openReturn:
			r.Resolved++
		}
	}
	r.Dropped -= r.Resolved
	r.ops = resolved
	start := time.Now()
	result, info := porcupine.CheckOperationsVerbose(objectModel, toPorcupine(resolved), timeout)
	r.PorcupineTime = time.Since(start)
	r.linearization = info
	switch result {
	case porcupine.Ok:
		return
	case porcupine.Unknown:
		r.Failures = append(r.Failures, Failure{Kind: "linearizability", Detail: fmt.Sprintf("porcupine found no answer within %s", timeout)})
		return
	}
	for _, key := range keysOf(resolved) {
		// Which keys failed: the whole check does not say. A key's own
		// check is bounded too; one that finds no answer in time is shown.
		part := onKey(resolved, key)
		if porcupine.CheckOperationsTimeout(objectModel, toPorcupine(part), min(timeout, 30*time.Second)) == porcupine.Ok {
			continue
		}
		r.failedKeys = append(r.failedKeys, key)
		minimal := minimize(part, 20*time.Second)
		r.Failures = append(r.Failures, Failure{Kind: "linearizability",
			Detail:   fmt.Sprintf("the operations on %s are not linearizable (%d operations; %d in the smallest failing subset)", key, len(part), len(minimal)),
			Evidence: minimal})
	}
}

func toPorcupine(ops []Operation) []porcupine.Operation {
	out := make([]porcupine.Operation, len(ops))
	for i, op := range ops {
		out[i] = porcupine.Operation{ClientId: op.Client, Input: op, Call: op.Call, Output: op, Return: op.Return}
	}
	return out
}

func keysOf(ops []Operation) []string {
	seen := map[string]bool{}
	var keys []string
	for _, op := range ops {
		if !seen[op.Key] {
			seen[op.Key] = true
			keys = append(keys, op.Key)
		}
	}
	sort.Strings(keys)
	return keys
}

func onKey(ops []Operation, key string) []Operation {
	var part []Operation
	for _, op := range ops {
		if op.Key == key {
			part = append(part, op)
		}
	}
	return part
}

// minimize drops reads one at a time while the rest still fails the
// check, within budget: the smallest failing sub-history it finds. Only
// reads: dropping one only lifts a constraint, while dropping a write can
// make a history fail that did not.
func minimize(ops []Operation, budget time.Duration) []Operation {
	deadline := time.Now().Add(budget)
	for i := len(ops) - 1; i >= 0 && time.Now().Before(deadline); i-- {
		if ops[i].write() {
			continue
		}
		candidate := append(append([]Operation(nil), ops[:i]...), ops[i+1:]...)
		if porcupine.CheckOperationsTimeout(objectModel, toPorcupine(candidate), time.Until(deadline)) == porcupine.Illegal {
			ops = candidate
		}
	}
	return ops
}

// ackedWrite is a write the server acknowledged: when the answer came
// back, and the revision etcd gave it.
type ackedWrite struct {
	Return, Rev int64
	What        string
}

// acknowledged are the acknowledged writes with their revisions; a
// delete's is the revision of the delete etcd holds for its precondition.
func acknowledged(ops []Operation, persisted Persisted) []ackedWrite {
	deletedAt := map[[2]any]int64{}
	for _, s := range persisted {
		if s.Deleted && s.Prev != nil {
			deletedAt[[2]any{s.Object.Name, s.Prev.RV}] = s.Rev
		}
	}
	var acked []ackedWrite
	for _, op := range ops {
		if !op.write() || op.Result != OK {
			continue
		}
		rev := op.Output.RV
		if op.Kind == Delete {
			rev = deletedAt[[2]any{op.Key, op.Precondition}]
		}
		acked = append(acked, ackedWrite{Return: op.Return, Rev: rev, What: fmt.Sprintf("%s of %s", op.Kind, op.Key)})
	}
	return acked
}

// newestBefore is the newest acknowledged write answered before call.
func newestBefore(acked []ackedWrite, call int64) (ackedWrite, bool) {
	var newest ackedWrite
	for _, w := range acked {
		if w.Return < call && w.Rev > newest.Rev {
			newest = w
		}
	}
	return newest, newest.Rev != 0
}

// checkList: a list at resourceVersion R holds exactly the objects etcd
// held at R, every page at the same R; a consistent list (no
// resourceVersion) is at least as new as every write acknowledged before it
// was called; resourceVersionMatch is honoured.
func checkList(l List, persisted Persisted, acked []ackedWrite) *Failure {
	fail := func(format string, args ...any) *Failure {
		return &Failure{Kind: "list", Detail: fmt.Sprintf(format, args...), Evidence: l}
	}
	if len(l.Pages) == 0 {
		return nil // failed before any page: says nothing
	}
	rv := l.Pages[0].RV
	got := map[string]Object{}
	for i, p := range l.Pages {
		if p.RV != rv {
			return fail("page %d is at resourceVersion %d, the first page at %d", i, p.RV, rv)
		}
		for _, o := range p.Items {
			if _, dup := got[o.Name]; dup {
				return fail("%s is on two pages", o.Name)
			}
			got[o.Name] = o
		}
	}
	var requested int64
	if l.ResourceVersion != "" {
		fmt.Sscan(l.ResourceVersion, &requested)
	}
	switch {
	case l.Match == "Exact" && rv != requested:
		return fail("resourceVersionMatch=Exact at %d answered at %d", requested, rv)
	case l.Match == "NotOlderThan" && rv < requested:
		return fail("resourceVersionMatch=NotOlderThan %d answered at %d", requested, rv)
	case l.ResourceVersion == "":
		if w, ok := newestBefore(acked, l.Call); ok && w.Rev > rv {
			return fail("consistent list answered at resourceVersion %d, but the %s was acknowledged at %d before the list was called", rv, w.What, w.Rev)
		}
	}
	if l.Complete {
		want := persisted.At(rv)
		for name, o := range want {
			g, ok := got[name]
			if !ok {
				return fail("at resourceVersion %d etcd held %s (image %s, rv %d), the list did not", rv, name, o.Image, o.RV)
			}
			if g.Image != o.Image || g.RV != o.RV {
				return fail("at resourceVersion %d etcd held %s with image %s at rv %d, the list %s at rv %d", rv, name, o.Image, o.RV, g.Image, g.RV)
			}
		}
		for name := range got {
			if _, ok := want[name]; !ok {
				return fail("the list at resourceVersion %d held %s, which etcd did not hold then", rv, name)
			}
		}
	}
	return nil
}

// Save writes the report into the repository's _output/robustness/name
// and returns that directory.
func (r *Report) Save(name string, h Recorded, persisted Persisted) (string, error) {
	_, file, _, _ := runtime.Caller(0)
	dir := filepath.Join(filepath.Dir(file), "..", "..", "_output", "robustness", name)
	return dir, r.Write(dir, h, persisted)
}

// Write saves the history, what etcd persisted, the failures and, when the
// operations were not linearizable, porcupine's visualisation of them.
func (r *Report) Write(dir string, h Recorded, persisted Persisted) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for name, v := range map[string]any{"history.json": h, "etcd-history.json": persisted, "failures.json": r.Failures} {
		if err := writeJSON(filepath.Join(dir, name), v); err != nil {
			return err
		}
	}
	if len(r.failedKeys) > 0 {
		return porcupine.VisualizePath(objectModel, r.linearization, filepath.Join(dir, "history.html"))
	}
	return nil
}
