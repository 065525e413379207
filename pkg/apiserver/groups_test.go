package apiserver

import (
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/endpoints"
	"k8s.io/kube-openapi/pkg/common"
	"k8s.io/kube-openapi/pkg/validation/spec"
)

func TestGroupsServeTheirKindsInEveryVersion(t *testing.T) {
	for _, g := range Groups {
		versions := ServedVersions(g.Name)
		if len(versions) < 2 || !slices.Contains(versions, g.DefaultStorageVersion) {
			t.Errorf("%s serves %v, default storage version %s", g.Name, versions, g.DefaultStorageVersion)
		}
		for resource, kind := range g.Resources() {
			if kind.GroupResource() != (schema.GroupResource{Group: g.Name, Resource: resource}) {
				t.Errorf("%s lists %s under %q", g.Name, kind.GroupResource(), resource)
			}
			for _, version := range versions {
				gvks, _, err := Scheme.ObjectKinds(kind.NewObject())
				if err != nil || !Scheme.Recognizes(schema.GroupVersionKind{Group: g.Name, Version: version, Kind: gvks[0].Kind}) {
					t.Errorf("%s is not registered in %s/%s (%v)", kind.GroupResource(), g.Name, version, err)
				}
			}
		}
	}
	if got := ServedVersions("stable.example.com"); got[0] != "v1" {
		t.Errorf("stable.example.com versions %v: v1 must be preferred", got)
	}
}

func TestDeprecationWarningsNameTheDeprecatedVersionsOnly(t *testing.T) {
	warnings := DeprecationWarnings()
	deprecated := schema.GroupVersionResource{Group: "stable.example.com", Version: "v1beta1", Resource: "crontabs"}
	if msg := warnings[deprecated]; !strings.Contains(msg, "deprecated") || !strings.Contains(msg, "stable.example.com/v1 CronTab") {
		t.Errorf("warning for %v: %q", deprecated, msg)
	}
	if msg, ok := warnings[schema.GroupVersionResource{Group: "stable.example.com", Version: "v1", Resource: "crontabs"}]; ok {
		t.Errorf("v1 CronTabs are not deprecated, but warn %q", msg)
	}
}

func TestOpenAPIPublishesSelectableFields(t *testing.T) {
	definitions := OpenAPIDefinitions(func(path string) spec.Ref { return spec.MustCreateRef(path) })
	for model, want := range map[string][]string{
		"com.example.stable.v1.CronTab":      {"spec.cronSpec", "spec.image", "spec.suspend", "status.replicas"},
		"com.example.stable.v1beta1.CronTab": {"spec.image", "spec.schedule", "status.replicas"},
	} {
		definition, ok := definitions[model]
		if !ok {
			t.Fatalf("no OpenAPI definition %s", model)
		}
		if got := selectableFields(definition); !slices.Equal(got, want) {
			t.Errorf("%s selectable fields %v, want %v", model, got, want)
		}
	}
}

func selectableFields(definition common.OpenAPIDefinition) []string {
	var paths []string
	list, _ := definition.Schema.Extensions[endpoints.RouteMetaSelectableFields].([]any)
	for _, item := range list {
		if m, ok := item.(map[string]any); ok {
			paths = append(paths, m["fieldPath"].(string))
		}
	}
	return paths
}
