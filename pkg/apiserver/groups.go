package apiserver

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/example/extension-apiserver/pkg/apis/stable"
	stablev1 "github.com/example/extension-apiserver/pkg/apis/stable/v1"
	"github.com/example/extension-apiserver/pkg/apis/wardle"
	wardlev1beta1 "github.com/example/extension-apiserver/pkg/apis/wardle/v1beta1"
	"github.com/example/extension-apiserver/pkg/registry"
	"github.com/example/extension-apiserver/pkg/registry/stable/crontab"
	"github.com/example/extension-apiserver/pkg/registry/stable/crontabclass"
	"github.com/example/extension-apiserver/pkg/registry/wardle/fischer"
	"github.com/example/extension-apiserver/pkg/registry/wardle/flunder"
)

// Group describes one served API group: its kinds and the version its
// objects are written to etcd in unless a flag says otherwise.
type Group struct {
	Name                  string
	DefaultStorageVersion string
	Kinds                 []registry.Served
}

// Resources returns the group's kinds by plural resource name.
func (g Group) Resources() map[string]registry.Served {
	resources := make(map[string]registry.Served, len(g.Kinds))
	for _, k := range g.Kinds {
		resources[k.GroupResource().Resource] = k
	}
	return resources
}

// Groups lists every API group the server serves.
var Groups = []Group{
	{
		Name:                  stable.GroupName,
		DefaultStorageVersion: stablev1.SchemeGroupVersion.Version,
		Kinds:                 []registry.Served{crontab.Kind, crontabclass.Kind},
	},
	{
		Name:                  wardle.GroupName,
		DefaultStorageVersion: wardlev1beta1.SchemeGroupVersion.Version,
		Kinds:                 []registry.Served{flunder.Kind, fischer.Kind},
	},
}

// ServedVersions returns the versions of group, preferred first.
func ServedVersions(group string) []string {
	var versions []string
	for _, gv := range Scheme.PrioritizedVersionsForGroup(group) {
		versions = append(versions, gv.Version)
	}
	return versions
}

// forEachServedKind calls fn with a new object of every kind, lists aside,
// of every served version of every group.
func forEachServedKind(fn func(g Group, gvk schema.GroupVersionKind, obj runtime.Object)) {
	for _, g := range Groups {
		for _, version := range ServedVersions(g.Name) {
			gv := schema.GroupVersion{Group: g.Name, Version: version}
			for kind := range Scheme.KnownTypes(gv) {
				if strings.HasSuffix(kind, "List") {
					continue
				}
				if obj, err := Scheme.New(gv.WithKind(kind)); err == nil {
					fn(g, gv.WithKind(kind), obj)
				}
			}
		}
	}
}

// KindOf is the kind name the scheme registers a served kind's objects
// under. Every kind of Groups is registered (checked by the tests of this
// package), so an unregistered one is a programming error.
func KindOf(kind registry.Served) string {
	gvks, _, err := Scheme.ObjectKinds(kind.NewObject())
	if err != nil {
		panic(fmt.Sprintf("%s is not registered in the scheme: %v", kind.GroupResource(), err))
	}
	return gvks[0].Kind
}
