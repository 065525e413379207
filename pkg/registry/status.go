package registry

import (
	"context"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"
)

// StatusStrategy is the update strategy of the status subresource: only
// status changes, as kube-apiserver does for the status of CRDs.
type StatusStrategy[T Object[T]] struct {
	Strategy[T]
}

// NewStatusStrategy returns the status strategy of a kind with a status.
func NewStatusStrategy[T Object[T]](main Strategy[T], groupVersions []string) StatusStrategy[T] {
	s := StatusStrategy[T]{Strategy: main}
	// Server-side apply to /status must not claim spec or metadata.
	s.resetFields = resetFields(groupVersions, "spec", "metadata")
	return s
}

// PrepareForUpdate takes the stored object and puts the new status in it.
// Only managedFields are kept from the request, as they record this write.
func (s StatusStrategy[T]) PrepareForUpdate(ctx context.Context, obj, old runtime.Object) {
	newObj, oldObj := obj.(T), old.(T)
	merged := oldObj.DeepCopyObject().(T)
	s.rules.Status.copy(merged, newObj)
	merged.SetManagedFields(newObj.GetManagedFields())
	merged.DeepCopyInto(newObj)
}

// ValidateUpdate checks the status, ratcheting as the main resource does.
func (s StatusStrategy[T]) ValidateUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList {
	newObj, oldObj := obj.(T), old.(T)
	return ratchet(s.rules.ValidateStatusUpdate(newObj, oldObj), func() field.ErrorList { return s.rules.ValidateStatusUpdate(oldObj, oldObj) }, newObj, oldObj)
}

// GetResetFields returns the fields a write to /status ignores.
func (s StatusStrategy[T]) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return s.resetFields
}
