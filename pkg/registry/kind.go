package registry

import (
	"errors"
	"fmt"
	"maps"
	"slices"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/registry/generic"
	"k8s.io/apiserver/pkg/registry/rest"
)

// Object is the hub type of a served kind: a pointer to its struct, whose
// generated DeepCopyInto copies one object into another.
type Object[T any] interface {
	runtime.Object
	metav1.Object
	DeepCopyInto(T)
}

// Kind describes a served kind: its names and its rules. Everything else
// its storage does is shared.
type Kind[T Object[T]] struct {
	// Resource is the plural resource, qualified by its group.
	Resource schema.GroupResource
	// Singular is the singular resource name.
	Singular string
	// ShortNames and Categories are advertised in discovery.
	ShortNames []string
	Categories []string
	// New and NewList return empty hub objects.
	New     func() T
	NewList func() runtime.Object
	Rules   Rules[T]
	// Columns are the kind's printer columns, between NAME and AGE for
	// priority 0 and after AGE for priority 1 (-o wide).
	Columns []Column[T]
	// Subresources returns the kind's subresources beyond status, by path,
	// given the main resource's storage.
	Subresources func(main *REST) map[string]rest.Storage
}

// Rules are what differs between kinds in how objects are written.
type Rules[T Object[T]] struct {
	// Namespaced tells whether objects live in a namespace.
	Namespaced bool
	// Validate checks an object on create.
	Validate func(obj T) field.ErrorList
	// ValidateUpdate checks an object on update against the stored one.
	ValidateUpdate func(obj, old T) field.ErrorList
	// Spec is the part of the object whose changes bump metadata.generation
	// (for a kind without a spec, its content fields).
	Spec *Part[T]
	// Status is the object's status. Kinds that have one get a status
	// subresource; writes to the main resource keep the stored status and
	// writes to /status keep everything else.
	Status *Part[T]
	// ValidateStatusUpdate checks a write to the status subresource.
	ValidateStatusUpdate func(obj, old T) field.ErrorList
	// Fields returns the selectable fields beyond metadata.name and
	// metadata.namespace, keyed by their hub names.
	Fields func(obj T) fields.Set
	// IndexedFields are the Fields the watch cache indexes, so that lists
	// and watches selecting one value do not scan every object.
	IndexedFields []string
}

// Column is a printer column and how to compute its cell.
type Column[T Object[T]] struct {
	Definition metav1.TableColumnDefinition
	Cell       func(obj T) any
}

// Part is a part of a kind's objects, such as its spec or status, that the
// shared strategies compare, copy and clear.
type Part[T any] struct {
	equal func(a, b T) bool
	copy  func(dst, src T)
	clear func(obj T)
}

// PartOf returns the part of T's objects that get points to, for example
// PartOf(func(c *stable.CronTab) *stable.CronTabStatus { return &c.Status }).
func PartOf[T any, P any](get func(T) *P) *Part[T] {
	return &Part[T]{
		equal: func(a, b T) bool { return apiequality.Semantic.DeepEqual(get(a), get(b)) },
		copy:  func(dst, src T) { *get(dst) = *get(src) },
		clear: func(obj T) { var zero P; *get(obj) = zero },
	}
}

// Check tells what is missing or inconsistent in the declaration, so that
// a server refuses to start with it instead of failing on a request.
func (k Kind[T]) Check() error {
	var errs []error
	missing := func(what string, absent bool) {
		if absent {
			errs = append(errs, errors.New(what+" is missing"))
		}
	}
	missing("Resource", k.Resource.Resource == "" || k.Resource.Group == "")
	missing("Singular", k.Singular == "")
	missing("New", k.New == nil)
	missing("NewList", k.NewList == nil)
	missing("Rules.Validate", k.Rules.Validate == nil)
	missing("Rules.ValidateUpdate", k.Rules.ValidateUpdate == nil)
	missing("Rules.Spec", k.Rules.Spec == nil)
	if k.Rules.Status != nil {
		missing("Rules.ValidateStatusUpdate (the kind has a status)", k.Rules.ValidateStatusUpdate == nil)
	} else if k.Rules.ValidateStatusUpdate != nil {
		errs = append(errs, errors.New("Rules.ValidateStatusUpdate is set but Rules.Status is not"))
	}
	if len(k.Rules.IndexedFields) > 0 {
		var selectable fields.Set
		if k.Rules.Fields != nil && k.New != nil {
			selectable = k.Rules.Fields(k.New())
		}
		for _, name := range k.Rules.IndexedFields {
			if _, ok := selectable[name]; !ok {
				errs = append(errs, fmt.Errorf("indexed field %q is not one of Rules.Fields", name))
			}
		}
	}
	for _, c := range k.Columns {
		missing("the cell of column "+c.Definition.Name, c.Cell == nil)
	}
	for path := range k.subresources(nil) {
		if slices.Contains([]string{"", "status"}, path) {
			errs = append(errs, fmt.Errorf("Subresources must not serve %q, which the shared storage serves", path))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("the declaration of %s: %w", k.Resource, err)
	}
	return nil
}

func (k Kind[T]) subresources(main *REST) map[string]rest.Storage {
	if k.Subresources == nil {
		return nil
	}
	return k.Subresources(main)
}

// Served is a declared kind as the server installs it, whatever its type.
type Served interface {
	// GroupResource is the kind's plural resource and group.
	GroupResource() schema.GroupResource
	// Namespaced tells whether objects live in a namespace.
	Namespaced() bool
	// NewObject returns an empty hub object.
	NewObject() runtime.Object
	// SelectableFields are the hub names of the kind's own selectable fields.
	SelectableFields() []string
	// Storage builds the storage of the resource and its subresources, by
	// path under the resource ("" for the resource itself).
	Storage(scheme *runtime.Scheme, optsGetter generic.RESTOptionsGetter) (map[string]rest.Storage, error)
}

func (k Kind[T]) GroupResource() schema.GroupResource { return k.Resource }

func (k Kind[T]) Namespaced() bool { return k.Rules.Namespaced }

func (k Kind[T]) NewObject() runtime.Object { return k.New() }

func (k Kind[T]) SelectableFields() []string {
	if k.Rules.Fields == nil {
		return nil
	}
	names := slices.Collect(maps.Keys(k.Rules.Fields(k.New())))
	slices.Sort(names)
	return names
}

func (k Kind[T]) Storage(scheme *runtime.Scheme, optsGetter generic.RESTOptionsGetter) (map[string]rest.Storage, error) {
	s, err := NewStorage(scheme, optsGetter, k)
	if err != nil {
		return nil, err
	}
	paths := s.Paths()
	for path, storage := range k.subresources(s.Main) {
		paths[path] = storage
	}
	return paths, nil
}
