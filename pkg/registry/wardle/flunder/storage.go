// Package flunder states the rules of wardle.example.com Flunders; the
// shared registry package turns them into etcd-backed storage.
package flunder

import (
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic"

	"github.com/example/extension-apiserver/pkg/apis/wardle"
	"github.com/example/extension-apiserver/pkg/apis/wardle/validation"
	"github.com/example/extension-apiserver/pkg/registry"
)

// Kind describes Flunders to the shared registry.
var Kind = registry.Kind[*wardle.Flunder]{
	Resource: wardle.Resource("flunders"),
	Singular: "flunder",
	New:      func() *wardle.Flunder { return &wardle.Flunder{} },
	NewList:  func() runtime.Object { return &wardle.FlunderList{} },
	Rules: registry.Rules[*wardle.Flunder]{
		Namespaced:     true,
		Validate:       validation.ValidateFlunder,
		ValidateUpdate: validation.ValidateFlunderUpdate,
		Spec:           func(f *wardle.Flunder) any { return &f.Spec },
	},
}

// NewREST returns the storage of Flunders.
func NewREST(scheme *runtime.Scheme, optsGetter generic.RESTOptionsGetter) (*registry.REST, error) {
	return registry.NewREST(scheme, optsGetter, Kind)
}
