// Package crontab states the rules of stable.example.com CronTabs; the
// shared registry package turns them into etcd-backed storage.
package crontab

import (
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/generic"

	"github.com/example/extension-apiserver/pkg/apis/stable"
	"github.com/example/extension-apiserver/pkg/apis/stable/validation"
	"github.com/example/extension-apiserver/pkg/registry"
)

// Kind describes CronTabs to the shared registry.
var Kind = registry.Kind[*stable.CronTab]{
	Resource:   stable.Resource("crontabs"),
	Singular:   "crontab",
	ShortNames: []string{"ct"},
	Categories: []string{"all"},
	New:        func() *stable.CronTab { return &stable.CronTab{} },
	NewList:    func() runtime.Object { return &stable.CronTabList{} },
	Rules: registry.Rules[*stable.CronTab]{
		Namespaced:     true,
		Validate:       validation.ValidateCronTab,
		ValidateUpdate: validation.ValidateCronTabUpdate,
		Spec:           func(c *stable.CronTab) any { return &c.Spec },
	},
}

// NewREST returns the storage of CronTabs.
func NewREST(scheme *runtime.Scheme, optsGetter generic.RESTOptionsGetter) (*registry.REST, error) {
	return registry.NewREST(scheme, optsGetter, Kind)
}
