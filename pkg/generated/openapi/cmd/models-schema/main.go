// Command models-schema prints the generated OpenAPI definitions as one
// Swagger 2.0 document. hack/update-codegen.sh feeds it to applyconfiguration-gen
// so that the generated apply configurations know each type's merge rules.
package main

import (
	"encoding/json"
	"fmt"
	"os"

	"k8s.io/kube-openapi/pkg/common"
	"k8s.io/kube-openapi/pkg/validation/spec"

	"github.com/example/extension-apiserver/pkg/generated/openapi"
)

func main() {
	if err := printSchema(); err != nil {
		fmt.Fprintf(os.Stderr, "models-schema: %v\n", err)
		os.Exit(1)
	}
}

func printSchema() error {
	ref := func(name string) spec.Ref { return spec.MustCreateRef("#/definitions/" + name) }
	definitions := map[string]spec.Schema{}
	for name, def := range openapi.GetOpenAPIDefinitions(ref) {
		// Prefer an embedded v2 schema so that the document is valid Swagger 2.0.
		if v2, ok := def.Schema.Extensions[common.ExtensionV2Schema].(spec.Schema); ok {
			definitions[name] = v2
			continue
		}
		definitions[name] = def.Schema
	}
	doc := spec.Swagger{SwaggerProps: spec.SwaggerProps{
		Swagger:     "2.0",
		Info:        &spec.Info{InfoProps: spec.InfoProps{Title: "extension-apiserver", Version: "unversioned"}},
		Definitions: definitions,
	}}
	return json.NewEncoder(os.Stdout).Encode(&doc)
}
