package badinput

import (
	"fmt"
	"net/http"
	"strings"
)

func badQueries(e endpoint) []request {
	c := e.collection()
	r := []request{
		get("label selector syntax", c+"?labelSelector=a%20in%20(", badRequest),
		get("label selector bad key", c+"?labelSelector=-bad-=x", badRequest),
		get("label selector bad value", c+"?labelSelector=a%3D"+strings.Repeat("v", 100), badRequest),
		get("field selector unsupported", c+"?fieldSelector=spec.bogus%3D1", badRequest),
		get("field selector syntax", c+"?fieldSelector=%3D%3D%3D", badRequest),
		get("field selector with set syntax", c+"?fieldSelector=metadata.name%20in%20(a)", badRequest),
		// Long but valid: matched against nothing, answered as an empty list.
		get("field selector of 5000 terms", c+"?fieldSelector="+manyNameTerms(5000), http.StatusOK),
		get("field selector value of 200 KiB", c+"?fieldSelector=metadata.name%3D"+strings.Repeat("n", 200<<10), http.StatusOK),
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

// manyNameTerms is a field selector of n name equalities, ANDed.
func manyNameTerms(n int) string {
	terms := make([]string, n)
	for i := range terms {
		terms[i] = fmt.Sprintf("metadata.name%%3Dn%d", i)
	}
	return strings.Join(terms, ",")
}
