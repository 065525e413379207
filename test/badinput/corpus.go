package badinput

import (
	"fmt"
	"net/http"
	"strings"
)

// corpus builds every hostile request for every endpoint.
func corpus() []request {
	var all []request
	for _, e := range endpoints {
		all = append(all, malformedBodies(e)...)
		all = append(all, wrongIdentity(e)...)
		all = append(all, fieldValidation(e)...)
		all = append(all, wrongTypes(e)...)
		all = append(all, oversized(e)...)
		all = append(all, badPatches(e)...)
		all = append(all, badQueries(e)...)
		for i, content := range e.hostile {
			all = append(all, request{name: fmt.Sprintf("hostile value %d", i), method: http.MethodPost, path: e.collection(),
				contentType: jsonType, body: []byte(e.object(fmt.Sprintf("hostile-%d", i), "", content)), want: codes(badRequest, invalid)})
		}
	}
	for i := range all {
		all[i].name = fmt.Sprintf("%s %s: %s", all[i].method, all[i].path, all[i].name)
	}
	return all
}

func post(e endpoint, name, contentType, body string, want ...int) request {
	return request{name: name, method: http.MethodPost, path: e.collection(), contentType: contentType, body: []byte(body), want: want}
}

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

func wrongIdentity(e endpoint) []request {
	other := "stable.example.com/v1"
	otherKind := "CronTab"
	if e.group == "stable.example.com" {
		other, otherKind = "wardle.example.com/v1beta1", "Flunder"
	}
	r := []request{
		post(e, "apiVersion of another group", jsonType, strings.Replace(e.object("wrong-gv", "", e.content), e.apiVersion(), other, 1), badRequest),
		post(e, "unserved version", jsonType, strings.Replace(e.object("v9", "", e.content), e.apiVersion(), e.group+"/v9", 1), badRequest),
		post(e, "kind of another resource", jsonType, fmt.Sprintf(`{"apiVersion":%q,"kind":%q,"metadata":{"name":"wrong-kind"},%s}`, e.apiVersion(), otherKind, e.content), badRequest),
		post(e, "unknown kind", jsonType, fmt.Sprintf(`{"apiVersion":%q,"kind":"Nothing","metadata":{"name":"nothing"}}`, e.apiVersion()), badRequest),
		// The endpoint supplies a missing kind, as in kube-apiserver.
		post(e, "no kind", jsonType, fmt.Sprintf(`{"apiVersion":%q,"metadata":{"name":"no-kind-%s"},%s}`, e.apiVersion(), e.version, e.content), http.StatusCreated),
		{name: "unserved version path", method: http.MethodPost, path: strings.Replace(e.collection(), "/"+e.version+"/", "/v9/", 1),
			contentType: jsonType, body: []byte(e.object("x", "", e.content)), want: codes(notFound)},
		{name: "PUT to a missing object", method: http.MethodPut, path: e.item("missing"), contentType: jsonType,
			body: []byte(e.object("missing", "", e.content)), want: codes(notFound)},
		{name: "PUT with another name", method: http.MethodPut, path: e.item(existing), contentType: jsonType,
			body: []byte(e.object("another", "", e.content)), want: codes(badRequest, invalid)},
		{name: "PUT with a malformed resourceVersion", method: http.MethodPut, path: e.item(existing), contentType: jsonType,
			body: []byte(e.object(existing, `,"resourceVersion":"not-a-number"`, e.content)), want: codes(badRequest, conflict, invalid)},
		{name: "PUT with a stale resourceVersion", method: http.MethodPut, path: e.item(existing), contentType: jsonType,
			body: []byte(e.object(existing, `,"resourceVersion":"1"`, e.content)), want: codes(conflict)},
		{name: "DELETE a missing object", method: http.MethodDelete, path: e.item("missing"), want: codes(notFound)},
		{name: "uid precondition", method: http.MethodDelete, path: e.item(existing), contentType: jsonType,
			body: []byte(`{"kind":"DeleteOptions","apiVersion":"v1","preconditions":{"uid":"00000000-0000-0000-0000-000000000000"}}`), want: codes(conflict)},
	}
	if e.namespaced {
		r = append(r,
			post(e, "namespace in the body differs from the URL", jsonType, e.object("ns-mismatch", `,"namespace":"elsewhere"`, e.content), badRequest),
			request{name: "namespaced kind at the cluster path", method: http.MethodPost, path: fmt.Sprintf("/apis/%s/%s/%s", e.group, e.version, e.resource),
				contentType: jsonType, body: []byte(e.object("cluster-path", "", e.content)), want: codes(notAllowed, notFound)},
		)
	} else {
		// Cluster-scoped objects drop a namespace, as in kube-apiserver.
		r = append(r, post(e, "namespace on a cluster-scoped kind", jsonType, e.object("with-ns-"+e.version, `,"namespace":"default"`, e.content), http.StatusCreated))
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
