package robustness

import (
	"fmt"
	"slices"
)

// checkWatch checks one watch stream as etcd's robustness suite checks
// etcd's: every event is the next one the persisted history holds for the
// watch's selection after where the stream began (ordered, unique, no
// gaps, the right type and content); a bookmark never passes an event not
// yet delivered nor goes back; initial events are exactly the state at the
// initial-events-end bookmark, which is no older than any write
// acknowledged before the watch was called; a stream the recorder stopped
// after the last write delivered everything.
func checkWatch(w WatchSession, persisted Persisted, acked []ackedWrite) *Failure {
	fail := func(at int, format string, args ...any) *Failure {
		// The evidence: the stream up to the failing event.
		evidence := w
		evidence.Events = w.Events[:min(at+1, len(w.Events))]
		return &Failure{Kind: "watch", Detail: fmt.Sprintf("watcher %d session %d (%s): ", w.Watcher, w.Session, describeWatch(w)) + fmt.Sprintf(format, args...),
			Evidence: evidence}
	}
	sel := Selector{Label: w.Label, Field: w.Field}
	events := w.Events
	position := w.From
	offset := 0
	if w.InitialEvents {
		end := slices.IndexFunc(events, func(e WatchEvent) bool { return e.Type == InitialsEnd })
		if end < 0 {
			return nil // ended before its initial state was complete: says nothing
		}
		position = events[end].Object.RV
		// Without a resourceVersion, the initial state is a consistent read.
		if newest, ok := newestBefore(acked, w.Call); ok && newest.Rev > position {
			return fail(end, "the initial events are at %d, but the %s was acknowledged at %d before the watch was called", position, newest.What, newest.Rev)
		}
		want := map[string]Object{}
		for name, o := range persisted.At(position) {
			if m, err := sel.Matches(o); err != nil {
				return fail(end, "%v", err)
			} else if m {
				want[name] = o
			}
		}
		for i, e := range events[:end] {
			o, ok := want[e.Object.Name]
			switch {
			case e.Type != Added:
				return fail(i, "initial event %d is %s, not ADDED", i, e.Type)
			case !ok:
				return fail(i, "initial event for %s, which was not in the selection at %d", e.Object.Name, position)
			case o.Image != e.Object.Image || o.RV != e.Object.RV:
				return fail(i, "initial event for %s has image %s at rv %d, etcd held %s at rv %d at %d", e.Object.Name, e.Object.Image, e.Object.RV, o.Image, o.RV, position)
			}
			delete(want, e.Object.Name)
		}
		for name := range want {
			return fail(end, "the initial events at %d lack %s", position, name)
		}
		offset = end + 1
	}
	expected, err := persisted.Events(position, sel)
	if err != nil {
		return fail(0, "%v", err)
	}
	next := 0
	for i := offset; i < len(events); i++ {
		e := events[i]
		if e.Type == Bookmark || e.Type == InitialsEnd {
			switch {
			case e.Object.RV < position:
				return fail(i, "bookmark at %d goes back from %d", e.Object.RV, position)
			case next < len(expected) && expected[next].Object.RV <= e.Object.RV:
				return fail(i, "bookmark at %d is ahead of the undelivered %s of %s at %d", e.Object.RV, expected[next].Type, expected[next].Object.Name, expected[next].Object.RV)
			}
			position = e.Object.RV
			continue
		}
		if next >= len(expected) {
			return fail(i, "%s of %s at %d, which etcd's history does not hold after %d", e.Type, e.Object.Name, e.Object.RV, position)
		}
		want := expected[next]
		if e.Type != want.Type || e.Object.Name != want.Object.Name || e.Object.RV != want.Object.RV || e.Object.Image != want.Object.Image {
			return fail(i, "delivered %s, the next event etcd's history holds after %d is %s", describeEvent(e), position, describeEvent(want))
		}
		next++
		position = e.Object.RV
	}
	if w.End == "stopped" && next < len(expected) {
		return fail(len(events)-1, "stopped with %d events never delivered, the first %s", len(expected)-next, describeEvent(expected[next]))
	}
	return nil
}

func describeEvent(e WatchEvent) string {
	return fmt.Sprintf("%s %s image=%s rv=%d", e.Type, e.Object.Name, e.Object.Image, e.Object.RV)
}

func describeWatch(w WatchSession) string {
	s := fmt.Sprintf("from %d", w.From)
	if w.InitialEvents {
		s = "with initial events"
	}
	if w.Label != "" {
		s += ", labels " + w.Label
	}
	if w.Field != "" {
		s += ", fields " + w.Field
	}
	if w.Via != "" {
		s += ", via " + w.Via
	}
	return s
}
