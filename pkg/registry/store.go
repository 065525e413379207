package registry

import (
	"context"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"
)

// Storage is the storage of one resource and its subresources, shared by
// every version it is served in.
type Storage struct {
	Main *REST
	// Status is nil for kinds without a status.
	Status *StatusREST
}

// Paths returns the storage keyed by the path under the resource: "" for
// the resource, "status" for its status subresource.
func (s *Storage) Paths() map[string]rest.Storage {
	paths := map[string]rest.Storage{"": s.Main}
	if s.Status != nil {
		paths["status"] = s.Status
	}
	return paths
}

// NewStorage builds the etcd-backed storage of a kind.
func NewStorage[T Object[T]](scheme *runtime.Scheme, optsGetter generic.RESTOptionsGetter, kind Kind[T]) (*Storage, error) {
	if err := kind.Check(); err != nil {
		return nil, err
	}
	var groupVersions []string
	for _, gv := range scheme.PrioritizedVersionsForGroup(kind.Resource.Group) {
		groupVersions = append(groupVersions, gv.String())
	}
	strategy := NewStrategy(scheme, kind.Rules, groupVersions)
	store := &genericregistry.Store{
		NewFunc:                   func() runtime.Object { return kind.New() },
		NewListFunc:               kind.NewList,
		DefaultQualifiedResource:  kind.Resource,
		SingularQualifiedResource: schema.GroupResource{Group: kind.Resource.Group, Resource: kind.Singular},
		PredicateFunc:             predicateFunc(kind.Rules),

		CreateStrategy:      strategy,
		UpdateStrategy:      strategy,
		DeleteStrategy:      strategy,
		ResetFieldsStrategy: strategy,

		TableConvertor: newTableConvertor(kind),
	}
	listIndexers, watchTriggers := indexers(kind.Rules)
	options := &generic.StoreOptions{RESTOptions: optsGetter, AttrFunc: attrFunc(kind.Rules), Indexers: listIndexers, TriggerFunc: watchTriggers}
	if err := store.CompleteWithOptions(options); err != nil {
		return nil, err
	}
	s := &Storage{Main: &REST{Store: store, shortNames: kind.ShortNames, categories: kind.Categories}}

	if kind.Rules.Status != nil {
		statusStrategy := NewStatusStrategy(strategy, groupVersions)
		statusStore := *store
		statusStore.UpdateStrategy = statusStrategy
		statusStore.ResetFieldsStrategy = statusStrategy
		s.Status = &StatusREST{store: &statusStore}
	}
	return s, nil
}

// REST is the main resource of a kind.
type REST struct {
	*genericregistry.Store
	shortNames []string
	categories []string
}

var (
	_ rest.ShortNamesProvider = &REST{}
	_ rest.CategoriesProvider = &REST{}
)

// ShortNames are the abbreviations kubectl accepts for the resource.
func (r *REST) ShortNames() []string { return r.shortNames }

// Categories are the groups of resources (such as "all") the resource is in.
func (r *REST) Categories() []string { return r.categories }

// Update writes an object. When the write removes the last finalizer of an
// object whose deletion was requested with a grace period, the object is
// deleted now: the generic store would wait for a second delete request,
// which only pods get (from their kubelet).
func (r *REST) Update(ctx context.Context, name string, objInfo rest.UpdatedObjectInfo, createValidation rest.ValidateObjectFunc,
	updateValidation rest.ValidateObjectUpdateFunc, forceAllowCreate bool, options *metav1.UpdateOptions) (runtime.Object, bool, error) {
	obj, created, err := r.Store.Update(ctx, name, clientErrorsAsBadRequest{objInfo, r.Store.CreateStrategy}, createValidation, updateValidation, forceAllowCreate, options)
	if err != nil || !finalizedDuringGracePeriod(obj) {
		return obj, created, err
	}
	uid := obj.(metav1.Object).GetUID()
	// On failure the update has still landed; the next delete request
	// finishes the deletion. Either way the caller gets the object it wrote,
	// as when the generic store deletes during an update.
	_, _, _ = r.Store.Delete(ctx, name, rest.ValidateAllObjectFunc,
		&metav1.DeleteOptions{GracePeriodSeconds: ptr.To[int64](0), Preconditions: &metav1.Preconditions{UID: &uid}})
	return obj, created, nil
}

func finalizedDuringGracePeriod(obj runtime.Object) bool {
	o, ok := obj.(metav1.Object)
	if !ok || o.GetDeletionTimestamp() == nil || len(o.GetFinalizers()) > 0 {
		return false
	}
	grace := o.GetDeletionGracePeriodSeconds()
	return grace != nil && *grace > 0
}

// StatusREST is the status subresource of a kind.
type StatusREST struct {
	store *genericregistry.Store
}

var (
	_ rest.Patcher             = &StatusREST{}
	_ rest.ResetFieldsStrategy = &StatusREST{}
)

// New returns an empty object of the kind.
func (r *StatusREST) New() runtime.Object { return r.store.New() }

// Destroy is a no-op: the main resource owns the storage.
func (r *StatusREST) Destroy() {}

// Get returns the object, for kubectl get --subresource=status.
func (r *StatusREST) Get(ctx context.Context, name string, options *metav1.GetOptions) (runtime.Object, error) {
	return r.store.Get(ctx, name, options)
}

// Update writes the status of an object; nothing else changes.
func (r *StatusREST) Update(ctx context.Context, name string, objInfo rest.UpdatedObjectInfo, createValidation rest.ValidateObjectFunc,
	updateValidation rest.ValidateObjectUpdateFunc, forceAllowCreate bool, options *metav1.UpdateOptions) (runtime.Object, bool, error) {
	// Status writes never create objects.
	return r.store.Update(ctx, name, clientErrorsAsBadRequest{objInfo, r.store.CreateStrategy}, createValidation, updateValidation, false, options)
}

// GetResetFields returns the fields a status write ignores.
func (r *StatusREST) GetResetFields() map[fieldpath.APIVersion]*fieldpath.Set {
	return r.store.GetResetFields()
}

// ConvertToTable renders the object as the main resource does.
func (r *StatusREST) ConvertToTable(ctx context.Context, object runtime.Object, tableOptions runtime.Object) (*metav1.Table, error) {
	return r.store.ConvertToTable(ctx, object, tableOptions)
}
