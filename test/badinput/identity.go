package badinput

import (
	"fmt"
	"net/http"
	"strings"
)

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
