// Package fischer states the rules of wardle.example.com Fischers; the
// shared registry package turns them into etcd-backed storage.
package fischer

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

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
		Spec: registry.PartOf(func(f *wardle.Fischer) *[]string { return &f.DisallowedFlunders }),
	},
	Columns: []registry.Column[*wardle.Fischer]{
		{Definition: metav1.TableColumnDefinition{Name: "Disallowed", Type: "integer", Description: "How many Flunder names are disallowed."},
			Cell: func(f *wardle.Fischer) any { return int64(len(f.DisallowedFlunders)) }},
	},
}
