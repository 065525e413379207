// Package badinput sends hostile and malformed requests to every resource
// and version of a real server and demands proper 4xx Status errors: no
// 5xx, no panic, nothing stored from a refused request.
package badinput

import (
	"fmt"
	"net/http"

	"github.com/example/extension-apiserver/pkg/apis/apitesting"
)

// endpoint is one resource in one version, with a valid body and one of
// its string fields.
type endpoint struct {
	group, version, resource, kind string
	namespaced                     bool
	// content is a valid object's JSON members after metadata.
	content string
	// stringField is the path of a string field (or list of strings), for
	// wrong-type cases.
	stringField []string
	// hostile are content variants conversion or validation must refuse.
	hostile []string
}

func (e endpoint) collection() string {
	if e.namespaced {
		return fmt.Sprintf("/apis/%s/%s/namespaces/default/%s", e.group, e.version, e.resource)
	}
	return fmt.Sprintf("/apis/%s/%s/%s", e.group, e.version, e.resource)
}

func (e endpoint) item(name string) string { return e.collection() + "/" + name }

func (e endpoint) apiVersion() string { return e.group + "/" + e.version }

func (e endpoint) object(name, extraMeta, content string) string {
	return fmt.Sprintf(`{"apiVersion":%q,"kind":%q,"metadata":{"name":%q%s},%s}`, e.apiVersion(), e.kind, name, extraMeta, content)
}

// endpoints are every served kind in every served version (apitesting.Kinds).
var endpoints = func() []endpoint {
	var all []endpoint
	for _, k := range apitesting.Kinds {
		for _, v := range k.Versions {
			all = append(all, endpoint{group: k.Resource.Group, version: v.Version, resource: k.Resource.Resource, kind: k.Kind,
				namespaced: k.Namespaced, content: v.Content, stringField: v.Field, hostile: v.Hostile})
		}
	}
	return all
}()

// request is one hostile request and the status codes it may get.
type request struct {
	name        string
	method      string
	path        string
	contentType string
	accept      string // empty: application/json
	body        []byte
	want        []int
}

const (
	jsonType    = "application/json"
	yamlType    = "application/yaml"
	protoType   = "application/vnd.kubernetes.protobuf"
	mergeType   = "application/merge-patch+json"
	jsonPatch   = "application/json-patch+json"
	strategic   = "application/strategic-merge-patch+json"
	applyType   = "application/apply-patch+yaml"
	existing    = "fixture" // the object every endpoint has before the corpus runs
	badRequest  = http.StatusBadRequest
	invalid     = http.StatusUnprocessableEntity
	notFound    = http.StatusNotFound
	conflict    = http.StatusConflict
	tooLarge    = http.StatusRequestEntityTooLarge
	unsupported = http.StatusUnsupportedMediaType
	notAllowed  = http.StatusMethodNotAllowed
	notAccept   = http.StatusNotAcceptable
)

func codes(c ...int) []int { return c }
