// Package fischer states the rules of wardle.example.com Fischers; the
// shared registry package turns them into etcd-backed storage.
package fischer

import (
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic"

	"github.com/example/extension-apiserver/pkg/apis/wardle"
	"github.com/example/extension-apiserver/pkg/apis/wardle/validation"
	"github.com/example/extension-apiserver/pkg/registry"
)

// Kind describes Fischers to the shared registry.
var Kind = registry.Kind[*wardle.Fischer]{
	Resource: wardle.Resource("fischers"),
	Singular: "fischer",
	New:      func() *wardle.Fischer { return &wardle.Fischer{} },
	NewList:  func() runtime.Object { return &wardle.FischerList{} },
	Rules: registry.Rules[*wardle.Fischer]{
		Namespaced:     false,
		Validate:       validation.ValidateFischer,
		ValidateUpdate: validation.ValidateFischerUpdate,
		// A Fischer has no spec; its list of names is its desired state.
		Spec: func(f *wardle.Fischer) any { return f.DisallowedFlunders },
	},
}

// NewREST returns the storage of Fischers.
func NewREST(scheme *runtime.Scheme, optsGetter generic.RESTOptionsGetter) (*registry.REST, error) {
	return registry.NewREST(scheme, optsGetter, Kind)
}
