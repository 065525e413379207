// Package crontabclass states the rules of stable.example.com
// CronTabClasses; the shared registry package turns them into etcd-backed
// storage.
package crontabclass

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/example/extension-apiserver/pkg/apis/stable"
	"github.com/example/extension-apiserver/pkg/apis/stable/validation"
	"github.com/example/extension-apiserver/pkg/registry"
)

// Kind describes CronTabClasses to the shared registry.
var Kind = registry.Kind[*stable.CronTabClass]{
	Resource:   stable.Resource("crontabclasses"),
	Singular:   "crontabclass",
	ShortNames: []string{"ctc"},
	New:        func() *stable.CronTabClass { return &stable.CronTabClass{} },
	NewList:    func() runtime.Object { return &stable.CronTabClassList{} },
	Rules: registry.Rules[*stable.CronTabClass]{
		Namespaced:           false,
		Validate:             validation.ValidateCronTabClass,
		ValidateUpdate:       validation.ValidateCronTabClassUpdate,
		Spec:                 registry.PartOf(func(c *stable.CronTabClass) *stable.CronTabClassSpec { return &c.Spec }),
		Status:               registry.PartOf(func(c *stable.CronTabClass) *stable.CronTabClassStatus { return &c.Status }),
		ValidateStatusUpdate: validation.ValidateCronTabClassStatusUpdate,
	},
	Columns: []registry.Column[*stable.CronTabClass]{
		{Definition: metav1.TableColumnDefinition{Name: "Max Replicas", Type: "integer", Description: "The most replicas a CronTab of the class may have."},
			Cell: func(c *stable.CronTabClass) any { return int64(c.Spec.MaxReplicas) }},
	},
}
