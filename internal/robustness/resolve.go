package robustness

import (
	"math"
	"slices"
)

// openReturn is the return time of a write of unknown outcome that was
// applied: it may have taken effect any time after its call.
const openReturn = int64(math.MaxInt64 / 2)

// resolved is a history ready for the model: reads of unknown outcome
// dropped (they say nothing), writes of unknown outcome decided from what
// etcd persisted. Every write sets a unique image, so an unknown create,
// update, replace or patch was applied exactly when etcd holds its image,
// and then at that revision; an unknown delete was applied when etcd holds
// a delete of the version its precondition named. An applied write of
// unknown outcome may have taken effect any time after its call, so it
// keeps an open return.
func resolve(ops []Operation, persisted Persisted, windows []Window) []Operation {
	written := map[string]Stored{} // by image
	deletedVersion := map[int64]Stored{}
	for _, s := range persisted {
		switch {
		case s.Deleted && s.Prev != nil:
			deletedVersion[s.Prev.RV] = s
		case !s.Deleted && (s.Prev == nil || s.Prev.Image != s.Object.Image):
			// A rewrite of the same image is the server's, not the write.
			written[s.Object.Image] = s
		}
	}
	// Deletes the client saw succeed own their version's delete.
	for _, op := range ops {
		if op.Kind == Delete && op.Result == OK {
			delete(deletedVersion, op.Precondition)
		}
	}
	var out []Operation
	for _, op := range ops {
		if op.Result != Unknown {
			out = append(out, op)
			continue
		}
		switch op.Kind {
		case Get:
			continue
		case Delete:
			if _, ok := deletedVersion[op.Precondition]; !ok {
				continue // nothing of it persisted: it was not applied
			}
			delete(deletedVersion, op.Precondition)
			op.Result = OK
		default:
			s, ok := written[op.Image]
			if !ok {
				continue
			}
			op.Result, op.Output = OK, s.Object
		}
		op.Return = openReturn
		out = append(out, op)
	}
	return append(out, rewrites(persisted, keysOf(ops), windows)...)
}

// Rewriter is the client the model gives the writes no recorded client
// made: the storage migration's rewrites of an object as it is, in today's
// encoding, or a controller's status updates.
const Rewriter = 999

// rewrites are the writes etcd persisted of the clients' keys that left an
// object's image as it was (no client writes an image twice): made by
// another writer in a rewriting window, some time between the first
// window's start and the last one's end. Without a window, such a write is
// not expected and stays out, so the check fails on it.
func rewrites(persisted Persisted, keys []string, windows []Window) []Operation {
	if len(windows) == 0 {
		return nil
	}
	from, to := windows[0].From, windows[0].To
	for _, w := range windows {
		from, to = min(from, w.From), max(to, w.To)
	}
	var ops []Operation
	for _, s := range persisted {
		if !s.Deleted && s.Prev != nil && s.Prev.Image == s.Object.Image && slices.Contains(keys, s.Object.Name) {
			ops = append(ops, Operation{Client: Rewriter, Kind: Replace, Key: s.Object.Name, Image: s.Object.Image, Result: OK, Output: s.Object,
				Call: from, Return: to, Via: "another writer"})
		}
	}
	return ops
}
