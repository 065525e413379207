package apiserver

import (
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/example/extension-apiserver/pkg/apis/stable"
	stablev1 "github.com/example/extension-apiserver/pkg/apis/stable/v1"
	"github.com/example/extension-apiserver/pkg/apis/wardle"
	wardlev1beta1 "github.com/example/extension-apiserver/pkg/apis/wardle/v1beta1"
)

// Group describes one served API group: its resources and the version its
// objects are written to etcd in unless a flag says otherwise.
type Group struct {
	Name                  string
	Resources             []string
	DefaultStorageVersion string
}

// Groups lists every API group the server serves.
var Groups = []Group{
	{Name: stable.GroupName, Resources: []string{"crontabs"}, DefaultStorageVersion: stablev1.SchemeGroupVersion.Version},
	{Name: wardle.GroupName, Resources: []string{"flunders", "fischers"}, DefaultStorageVersion: wardlev1beta1.SchemeGroupVersion.Version},
}

// ServedVersions returns the versions of group, preferred first.
func ServedVersions(group string) []string {
	var versions []string
	for _, gv := range Scheme.PrioritizedVersionsForGroup(group) {
		versions = append(versions, gv.Version)
	}
	return versions
}

// GroupResources returns every served resource, qualified by its group.
func GroupResources() []schema.GroupResource {
	var all []schema.GroupResource
	for _, g := range Groups {
		for _, r := range g.Resources {
			all = append(all, schema.GroupResource{Group: g.Name, Resource: r})
		}
	}
	return all
}
