package registry

import (
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/registry/generic"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"
)

// Kind describes a served kind for NewREST.
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
}

// REST is the storage of one resource, shared by every version it is served in.
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

// NewREST builds the etcd-backed storage of a kind.
func NewREST[T Object](scheme *runtime.Scheme, optsGetter generic.RESTOptionsGetter, kind Kind[T]) (*REST, error) {
	strategy := NewStrategy(scheme, kind.Rules)
	store := &genericregistry.Store{
		NewFunc:                   func() runtime.Object { return kind.New() },
		NewListFunc:               kind.NewList,
		DefaultQualifiedResource:  kind.Resource,
		SingularQualifiedResource: schema.GroupResource{Group: kind.Resource.Group, Resource: kind.Singular},

		CreateStrategy: strategy,
		UpdateStrategy: strategy,
		DeleteStrategy: strategy,

		TableConvertor: rest.NewDefaultTableConvertor(kind.Resource),
	}
	if err := store.CompleteWithOptions(&generic.StoreOptions{RESTOptions: optsGetter}); err != nil {
		return nil, err
	}
	return &REST{Store: store, shortNames: kind.ShortNames, categories: kind.Categories}, nil
}
