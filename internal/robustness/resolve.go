package robustness

import "math"

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
func resolve(ops []Operation, persisted Persisted) []Operation {
	written := map[string]Stored{} // by image
	deletedVersion := map[int64]Stored{}
	for _, s := range persisted {
		switch {
		case s.Deleted && s.Prev != nil:
			deletedVersion[s.Prev.RV] = s
		case !s.Deleted:
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
	return out
}
