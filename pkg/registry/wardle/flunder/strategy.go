// Package flunder states the rules of wardle.example.com Flunders; the
// shared registry package turns them into etcd-backed storage.
package flunder

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"

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
		Namespaced:           true,
		Validate:             validation.ValidateFlunder,
		ValidateUpdate:       validation.ValidateFlunderUpdate,
		Spec:                 registry.PartOf(func(f *wardle.Flunder) *wardle.FlunderSpec { return &f.Spec }),
		Status:               registry.PartOf(func(f *wardle.Flunder) *wardle.FlunderStatus { return &f.Status }),
		ValidateStatusUpdate: validation.ValidateFlunderStatusUpdate,
		Fields: func(f *wardle.Flunder) fields.Set {
			return fields.Set{"spec.referenceType": string(f.Spec.ReferenceType)}
		},
		IndexedFields: []string{"spec.referenceType"},
	},
	Columns: []registry.Column[*wardle.Flunder]{
		{Definition: metav1.TableColumnDefinition{Name: "Reference", Type: "string", Description: "The referenced Flunder or Fischer."},
			Cell: func(f *wardle.Flunder) any { return f.Spec.FlunderReference + f.Spec.FischerReference }},
		{Definition: metav1.TableColumnDefinition{Name: "Type", Type: "string", Description: "The kind of the reference."},
			Cell: func(f *wardle.Flunder) any { return string(f.Spec.ReferenceType) }},
	},
}
