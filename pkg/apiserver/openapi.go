package apiserver

import (
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/endpoints"
	"k8s.io/kube-openapi/pkg/common"

	"github.com/example/extension-apiserver/pkg/apis/fieldlabels"
	generatedopenapi "github.com/example/extension-apiserver/pkg/generated/openapi"
)

// OpenAPIDefinitions are the generated definitions, with each kind's
// selectable fields in x-kubernetes-selectable-fields, as kube-apiserver
// publishes them for CRDs.
func OpenAPIDefinitions(ref common.ReferenceCallback) map[string]common.OpenAPIDefinition {
	definitions := generatedopenapi.GetOpenAPIDefinitions(ref)
	forEachServedKind(func(_ Group, gvk schema.GroupVersionKind, obj runtime.Object) {
		fields := fieldlabels.Selectable(gvk)
		named, ok := obj.(interface{ OpenAPIModelName() string })
		if len(fields) == 0 || !ok {
			return
		}
		definition, ok := definitions[named.OpenAPIModelName()]
		if !ok {
			return
		}
		paths := make([]any, len(fields))
		for i, f := range fields {
			paths[i] = map[string]any{"fieldPath": f}
		}
		definition.Schema.AddExtension(endpoints.RouteMetaSelectableFields, paths)
		definitions[named.OpenAPIModelName()] = definition
	})
	return definitions
}
