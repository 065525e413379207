// Package registry holds what every kind's storage does alike: one strategy
// and one store builder, parameterized by each kind's Rules. The packages
// under it (registry/<group>/<kind>) only state those rules.
package registry

import (
	"context"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/storage/names"
)

// Object is the hub type of a served kind.
type Object interface {
	runtime.Object
	metav1.Object
}

// Rules are what differs between kinds.
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
}

// Strategy implements the create, update and delete strategies of a kind
// from its Rules.
type Strategy[T Object] struct {
	runtime.ObjectTyper
	names.NameGenerator
	rules Rules[T]
}

// NewStrategy returns the strategy for a kind.
func NewStrategy[T Object](typer runtime.ObjectTyper, rules Rules[T]) Strategy[T] {
	return Strategy[T]{ObjectTyper: typer, NameGenerator: names.SimpleNameGenerator, rules: rules}
}

// NamespaceScoped tells whether objects live in a namespace.
func (s Strategy[T]) NamespaceScoped() bool { return s.rules.Namespaced }

// PrepareForCreate starts the generation count.
func (s Strategy[T]) PrepareForCreate(ctx context.Context, obj runtime.Object) {
	obj.(T).SetGeneration(1)
}

// PrepareForUpdate bumps metadata.generation when the spec changed, as
// kube-apiserver does for built-in kinds and CRDs.
func (s Strategy[T]) PrepareForUpdate(ctx context.Context, obj, old runtime.Object) {
	newObj, oldObj := obj.(T), old.(T)
	newObj.SetGeneration(oldObj.GetGeneration())
	if !apiequality.Semantic.DeepEqual(s.rules.Spec(newObj), s.rules.Spec(oldObj)) {
		newObj.SetGeneration(oldObj.GetGeneration() + 1)
	}
}

// Validate checks a new object.
func (s Strategy[T]) Validate(ctx context.Context, obj runtime.Object) field.ErrorList {
	return s.rules.Validate(obj.(T))
}

// ValidateUpdate checks an updated object against the stored one.
func (s Strategy[T]) ValidateUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList {
	return s.rules.ValidateUpdate(obj.(T), old.(T))
}

// WarningsOnCreate returns no warnings: nothing served is deprecated yet.
func (s Strategy[T]) WarningsOnCreate(ctx context.Context, obj runtime.Object) []string { return nil }

// WarningsOnUpdate returns no warnings: nothing served is deprecated yet.
func (s Strategy[T]) WarningsOnUpdate(ctx context.Context, obj, old runtime.Object) []string {
	return nil
}

// Canonicalize leaves objects as they are; validation refuses non-canonical input.
func (s Strategy[T]) Canonicalize(obj runtime.Object) {}

// AllowCreateOnUpdate is false: PUT of a missing object is a 404, as for CRDs.
func (s Strategy[T]) AllowCreateOnUpdate(ctx context.Context) bool { return false }

// AllowUnconditionalUpdate lets clients update without a resourceVersion.
func (s Strategy[T]) AllowUnconditionalUpdate(ctx context.Context) bool { return true }
