package registry

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Object is the hub type of a served kind.
type Object interface {
	runtime.Object
	metav1.Object
}

// Kind describes a served kind: its names and its rules. Everything else
// its storage does is shared.
type Kind[T Object] struct {
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
}

// Rules are what differs between kinds in how objects are written.
type Rules[T Object] struct {
	// Namespaced tells whether objects live in a namespace.
	Namespaced bool
	// Validate checks an object on create.
	Validate func(obj T) field.ErrorList
	// ValidateUpdate checks an object on update against the stored one.
	ValidateUpdate func(obj, old T) field.ErrorList
	// Spec returns the part of the object whose changes bump
	// metadata.generation (for a kind without a spec, its content fields).
	Spec func(obj T) any
	// Status returns a pointer to the object's status. Kinds that have one
	// get a status subresource; writes to the main resource keep the stored
	// status and writes to /status keep everything else.
	Status func(obj T) any
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
type Column[T Object] struct {
	Definition metav1.TableColumnDefinition
	Cell       func(obj T) any
}
