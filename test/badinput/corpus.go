package badinput

import (
	"fmt"
	"net/http"
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

func patch(e endpoint, name, contentType, body string, want ...int) request {
	return request{name: name, method: http.MethodPatch, path: e.item(existing), contentType: contentType, body: []byte(body), want: want}
}

func get(name, path string, want ...int) request {
	return request{name: name, method: http.MethodGet, path: path, want: want}
}
