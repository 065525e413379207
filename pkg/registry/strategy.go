// Package registry holds what every kind's storage does alike: strategies,
// status subresource, printer columns, field selectors and the store
// builder, parameterized by each kind's Kind. The packages under it
// (registry/<group>/<kind>) only state their kind.
package registry

import (
	"context"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/storage/names"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"
)

// Strategy implements the create, update and delete strategies of a kind
// from its Rules.
type Strategy[T Object[T]] struct {
	runtime.ObjectTyper
	names.NameGenerator
	rules       Rules[T]
	resetFields map[fieldpath.APIVersion]*fieldpath.Set
}

// NewStrategy returns the strategy of the main resource of a kind served in
// groupVersions.
func NewStrategy[T Object[T]](typer runtime.ObjectTyper, rules Rules[T], groupVersions []string) Strategy[T] {
	s := Strategy[T]{ObjectTyper: typer, NameGenerator: names.SimpleNameGenerator, rules: rules}
	if rules.Status != nil {
		// Server-side apply to the main resource must not claim status.
		s.resetFields = resetFields(groupVersions, "status")
	}
	return s
}

func resetFields(groupVersions []string, paths ...string) map[fieldpath.APIVersion]*fieldpath.Set {
	set := fieldpath.NewSet()
	for _, p := range paths {
		set.Insert(fieldpath.MakePathOrDie(p))
	}
	fields := map[fieldpath.APIVersion]*fieldpath.Set{}
	for _, gv := range groupVersions {
		fields[fieldpath.APIVersion(gv)] = set
	}
	return fields
}

// NamespaceScoped tells whether objects live in a namespace.
func (s Strategy[T]) NamespaceScoped() bool { return s.rules.Namespaced }

// GetResetFields returns the fields a write to the main resource ignores.
func (s Strategy[T]) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set { return s.resetFields }

// PrepareForCreate starts the generation count and drops any status: only
// the status subresource writes it.
func (s Strategy[T]) PrepareForCreate(ctx context.Context, obj runtime.Object) {
	newObj := obj.(T)
	newObj.SetGeneration(1)
	if s.rules.Status != nil {
		s.rules.Status.clear(newObj)
	}
}

// PrepareForUpdate keeps the stored status and bumps metadata.generation
// when the spec changed, as kube-apiserver does for built-in kinds and CRDs.
func (s Strategy[T]) PrepareForUpdate(ctx context.Context, obj, old runtime.Object) {
	newObj, oldObj := obj.(T), old.(T)
	if s.rules.Status != nil {
		s.rules.Status.copy(newObj, oldObj)
	}
	newObj.SetGeneration(oldObj.GetGeneration())
	if !s.rules.Spec.equal(newObj, oldObj) {
		newObj.SetGeneration(oldObj.GetGeneration() + 1)
	}
}

// Validate checks a new object.
func (s Strategy[T]) Validate(ctx context.Context, obj runtime.Object) field.ErrorList {
	return s.rules.Validate(obj.(T))
}

// ValidateUpdate checks an updated object against the stored one, ratcheting
// what the stored object already got wrong and the update leaves alone.
func (s Strategy[T]) ValidateUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList {
	newObj, oldObj := obj.(T), old.(T)
	return ratchet(s.rules.ValidateUpdate(newObj, oldObj), func() field.ErrorList { return s.rules.ValidateUpdate(oldObj, oldObj) }, newObj, oldObj)
}

// WarningsOnCreate returns no warnings of the object's content. Deprecated
// versions are warned of for every request, by k8s.io/apiserver and
// apiserver.WithDeprecationWarnings, not here.
func (s Strategy[T]) WarningsOnCreate(ctx context.Context, obj runtime.Object) []string { return nil }

// WarningsOnUpdate returns no warnings of the object's content (see
// WarningsOnCreate).
func (s Strategy[T]) WarningsOnUpdate(ctx context.Context, obj, old runtime.Object) []string {
	return nil
}

// Canonicalize leaves objects as they are; validation refuses non-canonical input.
func (s Strategy[T]) Canonicalize(obj runtime.Object) {}

// AllowCreateOnUpdate is false: PUT of a missing object is a 404, as for CRDs.
func (s Strategy[T]) AllowCreateOnUpdate(ctx context.Context) bool { return false }

// AllowUnconditionalUpdate lets clients update without a resourceVersion.
func (s Strategy[T]) AllowUnconditionalUpdate(ctx context.Context) bool { return true }

// CheckGracefulDelete records a requested grace period on objects that
// finalizers keep, in metadata.deletionGracePeriodSeconds, for the
// controllers that finalize them. Objects without finalizers, or deleted
// without a grace period, go at once, as CRDs do.
func (s Strategy[T]) CheckGracefulDelete(ctx context.Context, obj runtime.Object, options *metav1.DeleteOptions) bool {
	return len(obj.(T).GetFinalizers()) > 0 && options.GracePeriodSeconds != nil && *options.GracePeriodSeconds > 0
}
