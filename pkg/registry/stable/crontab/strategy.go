// Package crontab states the rules of stable.example.com CronTabs and
// serves their scale and schedule subresources; the shared registry package
// turns the rules into etcd-backed storage.
package crontab

import (
	"strconv"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/rest"

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
		Namespaced:           true,
		Validate:             validation.ValidateCronTab,
		ValidateUpdate:       validation.ValidateCronTabUpdate,
		Spec:                 registry.PartOf(func(c *stable.CronTab) *stable.CronTabSpec { return &c.Spec }),
		Status:               registry.PartOf(func(c *stable.CronTab) *stable.CronTabStatus { return &c.Status }),
		ValidateStatusUpdate: validation.ValidateCronTabStatusUpdate,
		Fields:               selectableFields,
		IndexedFields:        []string{"spec.image", "spec.suspend", "status.replicas"},
	},
	Subresources: func(main *registry.REST) map[string]rest.Storage {
		return map[string]rest.Storage{"scale": &ScaleREST{store: main}, "schedule": &ScheduleREST{store: main, now: time.Now}}
	},
	Columns: []registry.Column[*stable.CronTab]{
		{Definition: metav1.TableColumnDefinition{Name: "Spec", Type: "string", Description: "The cron schedule (spec.cronSpec)."},
			Cell: func(c *stable.CronTab) any { return c.Spec.CronSpec }},
		{Definition: metav1.TableColumnDefinition{Name: "Replicas", Type: "integer", Description: "The desired number of replicas."},
			Cell: func(c *stable.CronTab) any { return int64(c.Spec.Replicas) }},
		{Definition: metav1.TableColumnDefinition{Name: "Image", Type: "string", Priority: 1, Description: "The container image."},
			Cell: func(c *stable.CronTab) any { return c.Spec.Image }},
		{Definition: metav1.TableColumnDefinition{Name: "Suspend", Type: "boolean", Priority: 1, Description: "Whether new runs are suspended."},
			Cell: func(c *stable.CronTab) any { return c.Spec.Suspend }},
	},
}

// selectableFields are the fields field selectors can use, by hub name; the
// API versions map their own spellings to these (see the version packages).
func selectableFields(c *stable.CronTab) fields.Set {
	return fields.Set{
		"spec.cronSpec":   c.Spec.CronSpec,
		"spec.image":      c.Spec.Image,
		"spec.suspend":    strconv.FormatBool(c.Spec.Suspend),
		"status.replicas": strconv.FormatInt(int64(c.Status.Replicas), 10),
	}
}
