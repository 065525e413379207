package conformance

import (
	"fmt"
	"slices"
	"strings"
)

// crontabResources keeps, from a group version's discovery, what a client
// learns of CronTabs and their subresources.
func crontabResources(doc map[string]any) map[string]any {
	content := map[string]any{}
	resources, _ := doc["resources"].([]any)
	for _, r := range resources {
		r, _ := r.(map[string]any)
		name, _ := r["name"].(string)
		if name != "crontabs" && !strings.HasPrefix(name, "crontabs/") {
			continue
		}
		content[name] = fmt.Sprintf("kind=%v group=%v version=%v singular=%v namespaced=%v verbs=%v shortNames=%v categories=%v",
			r["kind"], r["group"], r["version"], r["singularName"], r["namespaced"], sorted(r["verbs"]), r["shortNames"], r["categories"])
	}
	return content
}

func sorted(values any) []string {
	var out []string
	list, _ := values.([]any)
	for _, v := range list {
		out = append(out, fmt.Sprint(v))
	}
	slices.Sort(out)
	return out
}

// cronTabSchema finds the CronTab in an OpenAPI v3 document and keeps what
// describes its data: types, formats, bounds, patterns, defaults, required
// fields, list types and selectable fields; descriptions differ by nature
// (a CRD author writes none here) and are left out.
func cronTabSchema(doc map[string]any, group string) map[string]any {
	components, _ := doc["components"].(map[string]any)
	schemas, _ := components["schemas"].(map[string]any)
	for _, s := range schemas {
		s, _ := s.(map[string]any)
		if !isCronTab(s, group) {
			continue
		}
		content := map[string]any{
			"required":         s["required"],
			"selectableFields": s["x-kubernetes-selectable-fields"],
		}
		properties, _ := s["properties"].(map[string]any)
		var names []string
		for name := range properties {
			names = append(names, name)
		}
		slices.Sort(names)
		content["properties"] = names
		for _, name := range []string{"spec", "status"} {
			content[name] = reduceSchema(properties[name], schemas)
		}
		return content
	}
	return nil
}

func isCronTab(schema map[string]any, group string) bool {
	gvks, _ := schema["x-kubernetes-group-version-kind"].([]any)
	for _, gvk := range gvks {
		gvk, _ := gvk.(map[string]any)
		if gvk["group"] == group && gvk["version"] == "v1" && gvk["kind"] == "CronTab" {
			return true
		}
	}
	return false
}

// schemaKeys are the keys of a schema that say what data it admits.
var schemaKeys = []string{"type", "format", "default", "minimum", "maximum", "pattern", "enum", "required",
	"x-kubernetes-list-type", "x-kubernetes-list-map-keys", "x-kubernetes-map-type"}

// reduceSchema follows references (a typed server's OpenAPI names its
// structs; a CRD's schema is inline) and keeps schemaKeys, recursively.
func reduceSchema(value any, schemas map[string]any) any {
	schema, _ := value.(map[string]any)
	schema = resolve(schema, schemas)
	if schema == nil {
		return nil
	}
	out := map[string]any{}
	for _, key := range schemaKeys {
		if v, ok := schema[key]; ok && !(key == "default" && isEmpty(v)) {
			out[key] = v
		}
	}
	if properties, ok := schema["properties"].(map[string]any); ok {
		reduced := map[string]any{}
		for name, p := range properties {
			reduced[name] = reduceSchema(p, schemas)
		}
		out["properties"] = reduced
	}
	if items, ok := schema["items"]; ok {
		out["items"] = reduceSchema(items, schemas)
	}
	return out
}

// isEmpty tells a default of "" or {}: openapi-gen writes one on every
// field without omitempty, as it does for the built-in kinds, and it means
// no more than the decoder's zero value; a CRD cannot say it at all where
// the field has a pattern.
func isEmpty(value any) bool {
	m, isMap := value.(map[string]any)
	return value == "" || (isMap && len(m) == 0)
}

// resolve returns the schema a $ref, or an allOf of one $ref, points to.
func resolve(schema map[string]any, schemas map[string]any) map[string]any {
	if allOf, ok := schema["allOf"].([]any); ok && len(allOf) == 1 {
		merged := map[string]any{}
		inner, _ := allOf[0].(map[string]any)
		for k, v := range resolve(inner, schemas) {
			merged[k] = v
		}
		for k, v := range schema {
			if k != "allOf" {
				merged[k] = v
			}
		}
		return merged
	}
	if ref, ok := schema["$ref"].(string); ok {
		target, _ := schemas[strings.TrimPrefix(ref, "#/components/schemas/")].(map[string]any)
		return target
	}
	return schema
}
