package robustness

import (
	"fmt"

	"github.com/anishathalye/porcupine"
)

// state is one object as the model holds it. A deleted object keeps the
// resourceVersion it had, so that a create after it must be later.
type state struct {
	Exists bool
	Image  string
	RV     int64
}

// objectModel is the model of one object the server stores: what every
// operation may return in each state. Preconditions give 409 and 404
// exactly when the model says so, and every write's resourceVersion is
// later than the one it replaced. Operations of unknown outcome are
// decided by resolve before the check.
var objectModel = porcupine.Model{
	Partition: func(ops []porcupine.Operation) [][]porcupine.Operation {
		byKey := map[string][]porcupine.Operation{}
		var keys []string
		for _, op := range ops {
			k := op.Input.(Operation).Key
			if byKey[k] == nil {
				keys = append(keys, k)
			}
			byKey[k] = append(byKey[k], op)
		}
		var parts [][]porcupine.Operation
		for _, k := range keys {
			parts = append(parts, byKey[k])
		}
		return parts
	},
	Init: func() any { return state{} },
	Step: func(st, in, _ any) (bool, any) {
		return step(st.(state), in.(Operation))
	},
	Equal: func(a, b any) bool { return a.(state) == b.(state) },
	DescribeOperation: func(in, _ any) string {
		op := in.(Operation)
		s := fmt.Sprintf("%s %s", op.Kind, op.Key)
		if op.Image != "" {
			s += " image=" + op.Image
		}
		if op.Precondition != 0 {
			s += fmt.Sprintf(" if rv=%d", op.Precondition)
		}
		s += " -> " + string(op.Result)
		if op.Result == OK && op.Output.RV != 0 {
			s += fmt.Sprintf(" %s@%d", op.Output.Image, op.Output.RV)
		}
		return s
	},
	DescribeState: func(st any) string {
		s := st.(state)
		if !s.Exists {
			return fmt.Sprintf("absent (last rv %d)", s.RV)
		}
		return fmt.Sprintf("%s@%d", s.Image, s.RV)
	},
}

// step tells whether the operation could have returned what it did in
// state s, and the state it leaves.
func step(s state, op Operation) (bool, any) {
	none, unchanged := func() (bool, any) { return false, s }, func() (bool, any) { return true, s }
	written := func() (bool, any) {
		if op.Output.Image != op.Image || op.Output.RV <= s.RV {
			return none()
		}
		return true, state{Exists: true, Image: op.Image, RV: op.Output.RV}
	}
	switch op.Kind {
	case Get:
		switch {
		case op.Result == NotFound && !s.Exists:
			return unchanged()
		case op.Result == OK && s.Exists && op.Output.Image == s.Image && op.Output.RV == s.RV:
			return unchanged()
		}
	case Create:
		switch {
		case op.Result == AlreadyExists && s.Exists:
			return unchanged()
		case op.Result == OK && !s.Exists:
			return written()
		}
	case Replace, Patch:
		switch {
		case op.Result == NotFound && !s.Exists:
			return unchanged()
		case op.Result == Conflict && s.Exists:
			// The server gave up retrying its own read-modify-write.
			return unchanged()
		case op.Result == OK && s.Exists:
			return written()
		}
	case Update, Delete:
		// Both carry a resourceVersion precondition.
		switch {
		case op.Result == NotFound && !s.Exists:
			return unchanged()
		case op.Result == Conflict && s.Exists && s.RV != op.Precondition:
			return unchanged()
		case op.Result == OK && s.Exists && s.RV == op.Precondition && op.Kind == Delete:
			return true, state{RV: s.RV}
		case op.Result == OK && s.Exists && s.RV == op.Precondition:
			return written()
		}
	}
	return none()
}
