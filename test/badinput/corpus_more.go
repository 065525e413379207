package badinput

import (
	"fmt"
	"net/http"
	"strings"
)

func oversized(e endpoint) []request {
	huge := strings.Repeat("a", 300)
	deep := strings.Repeat(`{"a":`, 20000) + `1` + strings.Repeat(`}`, 20000)
	return []request{
		post(e, "name over 253 characters", jsonType, e.object(strings.Repeat("n", 254), "", e.content), invalid),
		post(e, "name with capitals and underscores", jsonType, e.object("Not_A_Name", "", e.content), invalid),
		post(e, "empty name", jsonType, e.object("", "", e.content), invalid),
		post(e, "name with a slash", jsonType, e.object("a/b", "", e.content), badRequest, invalid),
		post(e, "label value over 63 characters", jsonType, e.object("big-label", `,"labels":{"a":"`+huge+`"}`, e.content), invalid),
		post(e, "label key with two slashes", jsonType, e.object("bad-label-key", `,"labels":{"a/b/c":"x"}`, e.content), invalid),
		post(e, "annotations over 256 KiB", jsonType, e.object("big-annotations", `,"annotations":{"a":"`+strings.Repeat("x", 300*1024)+`"}`, e.content), invalid),
		post(e, "annotation key over 253 characters", jsonType, e.object("bad-annotation-key", `,"annotations":{"`+strings.Repeat("k", 300)+`":"x"}`, e.content), invalid),
		post(e, "too many finalizers characters", jsonType, e.object("bad-finalizer", `,"finalizers":["no-domain/`+huge+`"]`, e.content), invalid),
		post(e, "body over the 3 MiB limit", jsonType, e.object("too-big", `,"annotations":{"a":"`+strings.Repeat("x", 4<<20)+`"}`, e.content), tooLarge),
		post(e, "nesting 20000 levels deep", jsonType, e.object("deep", "", e.content+`,"deep":`+deep), badRequest, invalid),
		post(e, "generateName over the limit", jsonType, fmt.Sprintf(`{"apiVersion":%q,"kind":%q,"metadata":{"generateName":"%s"},%s}`, e.apiVersion(), e.kind, strings.Repeat("g", 300), e.content), invalid),
	}
}

func patch(e endpoint, name, contentType, body string, want ...int) request {
	return request{name: name, method: http.MethodPatch, path: e.item(existing), contentType: contentType, body: []byte(body), want: want}
}

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

func get(name, path string, want ...int) request {
	return request{name: name, method: http.MethodGet, path: path, want: want}
}

func badQueries(e endpoint) []request {
	c := e.collection()
	r := []request{
		get("label selector syntax", c+"?labelSelector=a%20in%20(", badRequest),
		get("label selector bad key", c+"?labelSelector=-bad-=x", badRequest),
		get("label selector bad value", c+"?labelSelector=a%3D"+strings.Repeat("v", 100), badRequest),
		get("field selector unsupported", c+"?fieldSelector=spec.bogus%3D1", badRequest),
		get("field selector syntax", c+"?fieldSelector=%3D%3D%3D", badRequest),
		get("field selector with set syntax", c+"?fieldSelector=metadata.name%20in%20(a)", badRequest),
		get("resourceVersion not a number", c+"?resourceVersion=abc", badRequest),
		get("resourceVersionMatch without resourceVersion", c+"?resourceVersionMatch=Exact", badRequest, invalid),
		get("resourceVersionMatch unknown", c+"?resourceVersion=1&resourceVersionMatch=Maybe", badRequest, invalid),
		get("continue token garbage", c+"?limit=1&continue=garbage", badRequest),
		get("continue token base64 garbage", c+"?limit=1&continue=eyJ2IjoiYmFkIn0", badRequest),
		get("continue with resourceVersion", c+"?limit=1&continue=x&resourceVersion=1", badRequest),
		get("negative limit", c+"?limit=-1", badRequest, http.StatusOK),
		get("limit not a number", c+"?limit=many", badRequest),
		get("timeoutSeconds not a number", c+"?watch=true&timeoutSeconds=soon", badRequest),
		get("watch with a future resourceVersion", c+"?watch=true&resourceVersion=999999999999&timeoutSeconds=1", badRequest, http.StatusGatewayTimeout, http.StatusOK, http.StatusGone),
		get("sendInitialEvents without watch", c+"?sendInitialEvents=true", badRequest, invalid),
		get("missing object", e.item("missing"), notFound),
		get("unknown subresource", e.item(existing)+"/bogus", notFound),
		{name: "unacceptable media type", method: http.MethodGet, path: c, accept: "application/xml", want: codes(notAccept)},
		{name: "dryRun with an unknown value", method: http.MethodPost, path: c + "?dryRun=Maybe", contentType: jsonType,
			body: []byte(e.object("dry", "", e.content)), want: codes(badRequest, invalid)},
		{name: "delete with an unknown propagation policy", method: http.MethodDelete, path: e.item(existing), contentType: jsonType,
			body: []byte(`{"kind":"DeleteOptions","apiVersion":"v1","propagationPolicy":"Sideways"}`), want: codes(badRequest, invalid)},
		{name: "delete with orphanDependents and a policy", method: http.MethodDelete, path: e.item(existing), contentType: jsonType,
			body: []byte(`{"kind":"DeleteOptions","apiVersion":"v1","orphanDependents":true,"propagationPolicy":"Background"}`), want: codes(badRequest, invalid)},
		{name: "delete with a malformed body", method: http.MethodDelete, path: e.item(existing), contentType: jsonType, body: []byte(`{"kind":`), want: codes(badRequest)},
		{name: "delete with dryRun unknown", method: http.MethodDelete, path: e.item(existing) + "?dryRun=Perhaps", want: codes(badRequest, invalid)},
		{name: "deletecollection with a bad selector", method: http.MethodDelete, path: c + "?labelSelector=a%20in%20(", want: codes(badRequest)},
		{name: "method not allowed on an item", method: http.MethodPost, path: e.item(existing), contentType: jsonType, body: []byte(`{}`), want: codes(notAllowed)},
	}
	return r
}
