package badinput

import (
	"fmt"
	"net/http"
	"strings"
)

func malformedBodies(e endpoint) []request {
	var r []request
	for i, body := range []string{``, `{`, `}`, `[]`, `"a string"`, `null`, `42`, `{"apiVersion":`, `{"metadata":[]}`,
		`{"apiVersion":"` + e.apiVersion() + `","kind":"` + e.kind + `","metadata":{"name":"x"},}`, "\xff\xfe\x00garbage", `{"a":1}{"b":2}`} {
		r = append(r, post(e, fmt.Sprintf("malformed JSON %d", i), jsonType, body, badRequest, invalid))
	}
	for i, body := range []string{"a: b: c", "apiVersion: [", "\tkind: x\n  - y", "--- !!binary |\n  ////", "{{{{"} {
		r = append(r, post(e, fmt.Sprintf("malformed YAML %d", i), yamlType, body, badRequest, invalid))
	}
	for i, body := range []string{"\x00\x01\x02", "k8s\x00\x0a\x0fgarbage-protobuf", "k8s\x00"} {
		// This server has no protobuf for its kinds yet: 415 or 400.
		r = append(r, post(e, fmt.Sprintf("malformed protobuf %d", i), protoType, body, badRequest, unsupported))
	}
	r = append(r, post(e, "unknown content type", "text/plain", e.object("plain", "", e.content), unsupported))
	return r
}

func wrongTypes(e endpoint) []request {
	var r []request
	values := []string{`42`, `true`, `{"a":1}`, `[1,2]`, `null`}
	for i, v := range values {
		want := codes(badRequest)
		if v == `null` {
			want = codes(invalid, http.StatusCreated) // null is unset: valid or a validation error
		}
		body := e.object(fmt.Sprintf("wrong-type-%d-%s", i, e.version), "", e.content)
		field := e.stringField[len(e.stringField)-1]
		body = strings.Replace(body, fmt.Sprintf(`"%s":`, field), fmt.Sprintf(`"%s":%s,"ignored-%d":`, field, v, i), 1)
		r = append(r, post(e, fmt.Sprintf("%s is %s", strings.Join(e.stringField, "."), v), jsonType, body, want...))
	}
	for i, meta := range []string{`"metadata":5`, `"metadata":{"name":5}`, `"metadata":{"name":"x","labels":[]}`, `"metadata":{"name":"x","annotations":"a"}`,
		`"metadata":{"name":"x","finalizers":"f"}`, `"metadata":{"name":"x","creationTimestamp":"yesterday"}`} {
		body := fmt.Sprintf(`{"apiVersion":%q,"kind":%q,%s,%s}`, e.apiVersion(), e.kind, meta, e.content)
		r = append(r, post(e, fmt.Sprintf("wrong metadata type %d", i), jsonType, body, badRequest, invalid))
	}
	return r
}

func fieldValidation(e endpoint) []request {
	unknown := e.object("unknown-field", "", e.content+`,"bogus":{"x":1}`)
	nestedUnknown := e.object("nested-unknown", `,"bogus":"meta"`, e.content)
	duplicate := fmt.Sprintf(`{"apiVersion":%q,"kind":%q,"metadata":{"name":"dup","name":"dup2"},%s}`, e.apiVersion(), e.kind, e.content)
	r := []request{
		{name: "unknown field, Strict", method: http.MethodPost, path: e.collection() + "?fieldValidation=Strict", contentType: jsonType, body: []byte(unknown), want: codes(badRequest)},
		{name: "unknown metadata field, Strict", method: http.MethodPost, path: e.collection() + "?fieldValidation=Strict", contentType: jsonType, body: []byte(nestedUnknown), want: codes(badRequest)},
		{name: "duplicate field, Strict", method: http.MethodPost, path: e.collection() + "?fieldValidation=Strict", contentType: jsonType, body: []byte(duplicate), want: codes(badRequest)},
		{name: "unknown field, Strict, YAML", method: http.MethodPost, path: e.collection() + "?fieldValidation=Strict", contentType: yamlType,
			body: []byte(fmt.Sprintf("apiVersion: %s\nkind: %s\nmetadata:\n  name: yaml-unknown\nbogus: 1\n", e.apiVersion(), e.kind)), want: codes(badRequest)},
		{name: "invalid fieldValidation value", method: http.MethodPost, path: e.collection() + "?fieldValidation=Sometimes", contentType: jsonType,
			body: []byte(e.object("fv", "", e.content)), want: codes(badRequest, invalid)},
	}
	for _, strictness := range []string{"Warn", "Ignore"} {
		// Accepted, with a warning or silently; the object is not refused,
		// so it is not counted as stored-by-a-refused-request (the test
		// deletes it).
		r = append(r, request{name: "unknown field, " + strictness, method: http.MethodPost, path: e.collection() + "?fieldValidation=" + strictness,
			contentType: jsonType, body: []byte(e.object("accepted-"+strings.ToLower(strictness)+"-"+e.version, "", e.content+`,"bogus":1`)), want: codes(http.StatusCreated)})
	}
	return r
}

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
		post(e, "body just under the 3 MiB limit", jsonType, e.object("near-limit", `,"annotations":{"a":"`+strings.Repeat("x", 3<<20-1024)+`"}`, e.content), invalid),
		post(e, "body over the 3 MiB limit", jsonType, e.object("too-big", `,"annotations":{"a":"`+strings.Repeat("x", 4<<20)+`"}`, e.content), tooLarge),
		post(e, "nesting 20000 levels deep", jsonType, e.object("deep", "", e.content+`,"deep":`+deep), badRequest, invalid),
		post(e, "generateName over the limit", jsonType, fmt.Sprintf(`{"apiVersion":%q,"kind":%q,"metadata":{"generateName":"%s"},%s}`, e.apiVersion(), e.kind, strings.Repeat("g", 300), e.content), invalid),
	}
}
