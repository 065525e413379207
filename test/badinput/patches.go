package badinput

import (
	"fmt"
	"net/http"
)

func badPatches(e endpoint) []request {
	r := []request{
		patch(e, "merge patch not JSON", mergeType, `{"spec":`, badRequest),
		patch(e, "merge patch of a list", mergeType, `[1,2]`, badRequest, invalid),
		patch(e, "merge patch changing the name", mergeType, `{"metadata":{"name":"renamed"}}`, badRequest, invalid),
		patch(e, "merge patch changing the uid", mergeType, `{"metadata":{"uid":"1234"}}`, badRequest, invalid),
		patch(e, "merge patch with a stale resourceVersion", mergeType, `{"metadata":{"resourceVersion":"1"}}`, conflict),
		patch(e, "merge patch with a bad label", mergeType, `{"metadata":{"labels":{"-":"-"}}}`, invalid),
		patch(e, "JSON patch not a list", jsonPatch, `{"op":"add"}`, badRequest, invalid),
		patch(e, "JSON patch unknown op", jsonPatch, `[{"op":"explode","path":"/spec"}]`, badRequest, invalid),
		patch(e, "JSON patch missing path", jsonPatch, `[{"op":"remove","path":"/spec/nothing/here"}]`, badRequest, invalid),
		patch(e, "JSON patch test fails", jsonPatch, `[{"op":"test","path":"/metadata/name","value":"other"}]`, badRequest, invalid, conflict),
		patch(e, "JSON patch bad pointer", jsonPatch, `[{"op":"replace","path":"no-slash","value":1}]`, badRequest, invalid),
		patch(e, "JSON patch replacing metadata with a number", jsonPatch, `[{"op":"replace","path":"/metadata","value":5}]`, badRequest, invalid),
		// The kind comes back from the endpoint: accepted, nothing changes.
		patch(e, "JSON patch removing the kind", jsonPatch, `[{"op":"remove","path":"/kind"}]`, http.StatusOK, badRequest, invalid),
		patch(e, "strategic patch not JSON", strategic, `{{`, badRequest),
		patch(e, "strategic patch with a bad directive", strategic, `{"metadata":{"$patch":"explode"}}`, badRequest, invalid),
		patch(e, "strategic patch wrong type", strategic, `{"metadata":{"labels":"a"}}`, badRequest, invalid),
		patch(e, "apply without fieldManager", applyType, fmt.Sprintf("apiVersion: %s\nkind: %s\nmetadata:\n  name: %s\n", e.apiVersion(), e.kind, existing), badRequest, invalid),
		{name: "apply with bad YAML", method: http.MethodPatch, path: e.item(existing) + "?fieldManager=t", contentType: applyType, body: []byte("a: b: c"), want: codes(badRequest)},
		{name: "apply of another kind", method: http.MethodPatch, path: e.item(existing) + "?fieldManager=t", contentType: applyType,
			body: []byte(fmt.Sprintf("apiVersion: %s\nkind: Other\nmetadata:\n  name: %s\n", e.apiVersion(), existing)), want: codes(badRequest, invalid)},
		{name: "apply with another name", method: http.MethodPatch, path: e.item(existing) + "?fieldManager=t", contentType: applyType,
			body: []byte(fmt.Sprintf("apiVersion: %s\nkind: %s\nmetadata:\n  name: other\n", e.apiVersion(), e.kind)), want: codes(badRequest, invalid)},
		{name: "apply with an unknown field, Strict", method: http.MethodPatch, path: e.item(existing) + "?fieldManager=t&fieldValidation=Strict", contentType: applyType,
			body: []byte(fmt.Sprintf("apiVersion: %s\nkind: %s\nmetadata:\n  name: %s\nbogus: 1\n", e.apiVersion(), e.kind, existing)), want: codes(badRequest)},
		{name: "patch of a missing object", method: http.MethodPatch, path: e.item("missing"), contentType: mergeType, body: []byte(`{}`), want: codes(notFound)},
		patch(e, "unsupported patch type", "application/xml-patch", `<x/>`, unsupported),
		{name: "force without apply", method: http.MethodPatch, path: e.item(existing) + "?force=true", contentType: mergeType, body: []byte(`{}`), want: codes(badRequest, invalid)},
	}
	return r
}
