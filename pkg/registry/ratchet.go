package registry

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ratchet drops the errors of an update that the stored object already had
// on fields the update leaves unchanged, with the outcome of kube-apiserver's
// validation ratcheting for CRDs: an object stored under older, looser rules
// stays writable (labels, finalizers, status) as long as the write does not
// touch what today's rules refuse. An error is kept when the stored object
// did not have it (so a change elsewhere that breaks a cross-field rule is
// refused even if the field named is unchanged), when the field it names
// changed, or when it is about metadata, which is never ratcheted.
//
// oldErrs returns the errors of the stored object; it is only called when
// errs is not empty.
func ratchet(errs field.ErrorList, oldErrs func() field.ErrorList, newObj, oldObj any) field.ErrorList {
	if len(errs) == 0 {
		return errs
	}
	had := map[string]bool{}
	for _, e := range oldErrs() {
		had[errorIdentity(e)] = true
	}
	var kept field.ErrorList
	for _, e := range errs {
		if strings.HasPrefix(e.Field, "metadata") || !had[errorIdentity(e)] || !sameAt(newObj, oldObj, e.Field) {
			kept = append(kept, e)
		}
	}
	return kept
}

func errorIdentity(e *field.Error) string {
	return fmt.Sprintf("%s\x00%s\x00%s\x00%#v", e.Type, e.Field, e.Detail, e.BadValue)
}

// sameAt tells whether two hub objects hold the same value at a validation
// path such as "spec.cronSpec", "disallowedFlunders[2]" or
// "status.conditions[0].type". A path that resolves in neither object (a
// missing list entry) counts as the same; one that resolves in only one does
// not.
func sameAt(newObj, oldObj any, path string) bool {
	steps, ok := parseFieldPath(path)
	if !ok {
		return false
	}
	newValue, newFound := valueAt(reflect.ValueOf(newObj), steps)
	oldValue, oldFound := valueAt(reflect.ValueOf(oldObj), steps)
	if newFound != oldFound {
		return false
	}
	return !newFound || reflect.DeepEqual(newValue.Interface(), oldValue.Interface())
}

// pathStep is a struct field (by its validation name) or a list index or
// map key (subscript).
type pathStep struct {
	name      string
	subscript string
	isIndex   bool
}

func parseFieldPath(path string) ([]pathStep, bool) {
	var steps []pathStep
	for len(path) > 0 {
		switch path[0] {
		case '.':
			path = path[1:]
		case '[':
			end := strings.IndexByte(path, ']')
			if end < 0 {
				return nil, false
			}
			steps = append(steps, pathStep{subscript: path[1:end], isIndex: true})
			path = path[end+1:]
		default:
			end := strings.IndexAny(path, ".[")
			if end < 0 {
				end = len(path)
			}
			steps = append(steps, pathStep{name: path[:end]})
			path = path[end:]
		}
	}
	return steps, len(steps) > 0
}

// valueAt walks a hub object along steps. Hub types carry no JSON tags: a
// field matches its validation name regardless of the case of its first
// letter, and embedded structs (ObjectMeta) are searched too.
func valueAt(v reflect.Value, steps []pathStep) (reflect.Value, bool) {
	for _, step := range steps {
		for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
			if v.IsNil() {
				return reflect.Value{}, false
			}
			v = v.Elem()
		}
		switch {
		case !step.isIndex && v.Kind() == reflect.Struct:
			f := v.FieldByNameFunc(func(name string) bool { return strings.EqualFold(name, step.name) })
			if !f.IsValid() {
				return reflect.Value{}, false
			}
			v = f
		case step.isIndex && (v.Kind() == reflect.Slice || v.Kind() == reflect.Array):
			i, err := strconv.Atoi(step.subscript)
			if err != nil || i < 0 || i >= v.Len() {
				return reflect.Value{}, false
			}
			v = v.Index(i)
		case step.isIndex && v.Kind() == reflect.Map && v.Type().Key().Kind() == reflect.String:
			e := v.MapIndex(reflect.ValueOf(step.subscript).Convert(v.Type().Key()))
			if !e.IsValid() {
				return reflect.Value{}, false
			}
			v = e
		default:
			return reflect.Value{}, false
		}
	}
	return v, true
}
