// Guard tests on the scheme and the declared kinds: they need no server, so
// go test ./pkg/... runs them.
package apiserver_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/yaml"

	"github.com/example/extension-apiserver/pkg/apis/apitesting"
	"github.com/example/extension-apiserver/pkg/apis/fieldlabels"
	"github.com/example/extension-apiserver/pkg/apiserver"
)

// exampleKinds are the kinds and versions of artifacts/examples, which seed
// the fuzz test and show users each kind.
func exampleKinds(t *testing.T) map[schema.GroupVersionKind]bool {
	t.Helper()
	files, err := filepath.Glob("../../artifacts/examples/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples in artifacts/examples (%v)", err)
	}
	kinds := map[schema.GroupVersionKind]bool{}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var typeMeta struct{ APIVersion, Kind string }
		if err := yaml.Unmarshal(data, &typeMeta); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		kinds[schema.FromAPIVersionAndKind(typeMeta.APIVersion, typeMeta.Kind)] = true
	}
	return kinds
}

// TestEveryServedKindIsCovered fails, naming the kind and the version, when
// a served kind or version is missing from apitesting.Kinds (the one table
// the fuzz, CRUD, bad-input and printer-column tests read) or from
// artifacts/examples. The round-trip and storage checks need no table: they
// enumerate the scheme and apiserver.Groups themselves.
func TestEveryServedKindIsCovered(t *testing.T) {
	examples := exampleKinds(t)
	served := 0
	for _, g := range apiserver.Groups {
		for _, kind := range g.Kinds {
			c, ok := apitesting.ForObject(kind.NewObject())
			if !ok || c.Resource != kind.GroupResource() || c.Namespaced != kind.Namespaced() {
				t.Errorf("%s is missing from apitesting.Kinds (pkg/apis/apitesting/kinds.go), or has the wrong resource or scope there", kind.GroupResource())
			}
			for _, version := range apiserver.ServedVersions(g.Name) {
				gvk := schema.GroupVersionKind{Group: g.Name, Version: version, Kind: apiserver.KindOf(kind)}
				served++
				if !slices.ContainsFunc(c.Versions, func(v apitesting.VersionCase) bool { return v.Version == version }) {
					t.Errorf("%s %s has no case in apitesting.Kinds (pkg/apis/apitesting/kinds.go): the fuzz, CRUD, bad-input and printer-column tests miss it", gvk.Kind, gvk.GroupVersion())
				}
				if !examples[gvk] {
					t.Errorf("%s %s has no example in artifacts/examples (which seed the fuzz test)", gvk.Kind, gvk.GroupVersion())
				}
			}
		}
	}
	if served == 0 {
		t.Fatal("no served kinds")
	}
}

// TestFieldLabelsMatchTheDeclarations: the field selectors each version
// registers (pkg/apis/<group>/<version>/register.go) map onto the selectable
// fields the kind declares (Rules.Fields), and the preferred version offers
// all of them.
func TestFieldLabelsMatchTheDeclarations(t *testing.T) {
	for _, g := range apiserver.Groups {
		preferred := apiserver.ServedVersions(g.Name)[0]
		for _, kind := range g.Kinds {
			declared := kind.SelectableFields()
			for _, version := range apiserver.ServedVersions(g.Name) {
				gvk := schema.GroupVersionKind{Group: g.Name, Version: version, Kind: apiserver.KindOf(kind)}
				var hubs []string
				for _, label := range fieldlabels.Selectable(gvk) {
					hub, _, err := apiserver.Scheme.ConvertFieldLabel(gvk, label, "x")
					if err != nil || !slices.Contains(declared, hub) {
						t.Errorf("%s %s: field label %q maps to %q (%v), which %s does not declare selectable (%v)",
							gvk.Kind, gvk.GroupVersion(), label, hub, err, kind.GroupResource(), declared)
					}
					hubs = append(hubs, hub)
				}
				slices.Sort(hubs)
				if version == preferred && !slices.Equal(hubs, declared) {
					t.Errorf("%s %s (preferred) selects %v, but the kind declares %v", gvk.Kind, gvk.GroupVersion(), hubs, declared)
				}
			}
		}
	}
}
