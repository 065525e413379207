// Package badinput sends hostile and malformed requests to every resource
// and version of a real server and demands proper 4xx Status errors: no
// 5xx, no panic, nothing stored from a refused request.
package badinput

import (
	"fmt"
	"net/http"
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

// endpoint is one resource in one version, with a valid body and one of
// its string fields.
type endpoint struct {
	group, version, resource, kind string
	namespaced                     bool
	// body returns a valid object named name with content (JSON members
	// after metadata).
	content string
	// stringField is a JSON path segment list of a string field, for
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

var endpoints = []endpoint{
	{group: "stable.example.com", version: "v1", resource: "crontabs", kind: "CronTab", namespaced: true,
		content: `"spec":{"cronSpec":"* * * * */5","image":"busybox","replicas":3}`, stringField: []string{"spec", "image"},
		hostile: []string{
			`"spec":{"cronSpec":"* * * *","image":"busybox","replicas":15}`,
			`"spec":{"cronSpec":"","image":"","replicas":0}`,
			`"spec":{"cronSpec":"* * * * * * * * * * * *","image":" busybox ","replicas":-1}`,
			`"spec":{"cronSpec":"\u0000","image":"busybox"}`,
			`"spec":{"cronSpec":"* * * * */5","image":"busybox","replicas":2147483648}`,
			`"spec":{"cronSpec":"* * * * */5","image":"busybox","replicas":1.5}`,
		}},
	{group: "stable.example.com", version: "v1beta1", resource: "crontabs", kind: "CronTab", namespaced: true,
		content: `"spec":{"schedule":"0 * * * *","image":"busybox"}`, stringField: []string{"spec", "schedule"},
		hostile: []string{
			`"spec":{"schedule":"not a schedule","image":"busybox"}`,
			`"spec":{"schedule":"* * * * *","image":"busybox","replicas":11}`,
			`"spec":{"schedule":"* * * * *","image":"busybox","replicas":-2147483648}`,
		}},
	{group: "wardle.example.com", version: "v1beta1", resource: "flunders", kind: "Flunder", namespaced: true,
		content: `"spec":{"flunderReference":"other"}`, stringField: []string{"spec", "flunderReference"},
		hostile: []string{
			`"spec":{"flunderReference":"a","fischerReference":"b"}`,
			`"spec":{"referenceType":"Fischerman","fischerReference":"b"}`,
			`"spec":{"flunderReference":"../../etc/passwd"}`,
			`"spec":{"referenceType":"Flunder"}`,
		}},
	{group: "wardle.example.com", version: "v1alpha1", resource: "flunders", kind: "Flunder", namespaced: true,
		content: `"spec":{"reference":"other"}`, stringField: []string{"spec", "reference"},
		hostile: []string{
			`"spec":{"reference":"b","referenceType":"Fischerman"}`,
			`"spec":{"reference":"UPPER_CASE"}`,
			`"spec":{"reference":"` + strings.Repeat("a", 300) + `"}`,
			`"spec":{"referenceType":"Fischer"}`,
		}},
	{group: "wardle.example.com", version: "v1beta1", resource: "fischers", kind: "Fischer", namespaced: false,
		content: `"disallowedFlunders":["a"]`, stringField: []string{"disallowedFlunders"},
		hostile: []string{
			`"disallowedFlunders":["a","a"]`,
			`"disallowedFlunders":[""]`,
			`"disallowedFlunders":["Not/A/Name"]`,
		}},
	{group: "wardle.example.com", version: "v1alpha1", resource: "fischers", kind: "Fischer", namespaced: false,
		content: `"disallowedFlunders":["a"]`, stringField: []string{"disallowedFlunders"},
		hostile: []string{
			`"disallowedFlunders":["b","b","b"]`,
			`"disallowedFlunders":[" x "]`,
		}},
}

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

// Coverage returns the resources, in each version, the bad-input cases
// are sent to.
func Coverage() []schema.GroupVersionResource {
	var covered []schema.GroupVersionResource
	for _, e := range endpoints {
		covered = append(covered, schema.GroupVersionResource{Group: e.group, Version: e.version, Resource: e.resource})
	}
	return covered
}
