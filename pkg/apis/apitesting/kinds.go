package apitesting

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"

	stablevalidation "github.com/example/extension-apiserver/pkg/apis/stable/validation"
	wardlevalidation "github.com/example/extension-apiserver/pkg/apis/wardle/validation"
)

// KindCase is what the tests that must reach every served kind need to know
// of one: the fuzz test, the CRUD run, the bad-input corpus and the printer
// columns test all read this one table, and TestEveryServedKindIsCovered
// (test/integration) fails, naming the kind and version, when a kind the
// server serves is missing here. It is kept apart from the kinds'
// declarations in pkg/registry because fuzzing instruments every package the
// test builds, and the registry would bring all of k8s.io/apiserver.
type KindCase struct {
	Resource   schema.GroupResource
	Kind       string
	Namespaced bool
	Validator  Validator
	Versions   []VersionCase
}

// Validator is the create validation of a kind's hub type.
type Validator struct {
	HubType  reflect.Type
	Validate func(runtime.Object) field.ErrorList
}

// VersionCase is a kind in one served version.
type VersionCase struct {
	Version string
	// Content is a valid object's JSON members after metadata.
	Content string
	// Field is the path of a string field, or of a list of strings (its
	// first item), that updates, patches and wrong-type requests change.
	Field []string
	// Defaulted is a path Content leaves out and DefaultedValue what
	// defaulting sets there; nil when the kind has no defaults.
	Defaulted      []string
	DefaultedValue any
	// Hostile are contents that conversion or validation must refuse.
	Hostile []string
	// Columns is kubectl get's header; Row the cells between NAME and AGE
	// for the object of Content.
	Columns, Row string
}

// GroupVersionResource returns the kind's resource in version.
func (k KindCase) GroupVersionResource(version string) schema.GroupVersionResource {
	return k.Resource.WithVersion(version)
}

// FieldIsList tells whether v.Field is a list of strings in Content.
func (v VersionCase) FieldIsList() bool {
	var value any
	if err := json.Unmarshal([]byte("{"+v.Content+"}"), &value); err != nil {
		panic(fmt.Sprintf("content %s: %v", v.Content, err))
	}
	for _, key := range v.Field {
		object, _ := value.(map[string]any)
		value = object[key]
	}
	_, isList := value.([]any)
	return isList
}

func validator[T runtime.Object](validate func(T) field.ErrorList) Validator {
	return Validator{HubType: reflect.TypeFor[T](),
		Validate: func(obj runtime.Object) field.ErrorList { return validate(obj.(T)) }}
}

// ForObject returns the case of a hub-type object, if its kind is served.
func ForObject(obj runtime.Object) (KindCase, bool) {
	for _, k := range Kinds {
		if k.Validator.HubType == reflect.TypeOf(obj) {
			return k, true
		}
	}
	return KindCase{}, false
}

// Kinds lists every served kind.
var Kinds = []KindCase{
	{Resource: schema.GroupResource{Group: "stable.example.com", Resource: "crontabs"}, Kind: "CronTab", Namespaced: true,
		Validator: validator(stablevalidation.ValidateCronTab),
		Versions: []VersionCase{
			{Version: "v1", Content: `"spec":{"cronSpec":"* * * * */5","image":"image-a"}`, Field: []string{"spec", "image"},
				Defaulted: []string{"spec", "replicas"}, DefaultedValue: int64(1),
				Hostile: []string{
					`"spec":{"cronSpec":"* * * *","image":"busybox","replicas":15}`,
					`"spec":{"cronSpec":"","image":"","replicas":0}`,
					`"spec":{"cronSpec":"* * * * * * * * * * * *","image":" busybox ","replicas":-1}`,
					`"spec":{"cronSpec":"\u0000","image":"busybox"}`,
					`"spec":{"cronSpec":"* * * * */5","image":"busybox","replicas":2147483648}`,
					`"spec":{"cronSpec":"* * * * */5","image":"busybox","replicas":1.5}`,
				},
				Columns: "NAME SPEC REPLICAS AGE", Row: "* * * * */5 1"},
			{Version: "v1beta1", Content: `"spec":{"schedule":"0 * * * *","image":"image-a"}`, Field: []string{"spec", "image"},
				Defaulted: []string{"spec", "replicas"}, DefaultedValue: int64(1),
				Hostile: []string{
					`"spec":{"schedule":"not a schedule","image":"busybox"}`,
					`"spec":{"schedule":"* * * * *","image":"busybox","replicas":11}`,
					`"spec":{"schedule":"* * * * *","image":"busybox","replicas":-2147483648}`,
				},
				Columns: "NAME SPEC REPLICAS AGE", Row: "0 * * * * 1"},
		}},
	{Resource: schema.GroupResource{Group: "stable.example.com", Resource: "crontabclasses"}, Kind: "CronTabClass", Namespaced: false,
		Validator: validator(stablevalidation.ValidateCronTabClass),
		Versions: []VersionCase{
			{Version: "v1", Content: `"spec":{"description":"a"}`, Field: []string{"spec", "description"},
				Defaulted: []string{"spec", "maxReplicas"}, DefaultedValue: int64(10),
				Hostile: []string{`"spec":{"maxReplicas":0}`, `"spec":{"maxReplicas":11}`, `"spec":{"description":"` + strings.Repeat("d", 1025) + `"}`},
				Columns: "NAME MAX REPLICAS AGE", Row: "10"},
			{Version: "v1beta1", Content: `"spec":{"maxReplicas":3,"description":"a"}`, Field: []string{"spec", "description"},
				Hostile: []string{`"spec":{"maxReplicas":-1}`, `"spec":{"maxReplicas":"3"}`},
				Columns: "NAME MAX REPLICAS AGE", Row: "3"},
		}},
	{Resource: schema.GroupResource{Group: "wardle.example.com", Resource: "flunders"}, Kind: "Flunder", Namespaced: true,
		Validator: validator(wardlevalidation.ValidateFlunder),
		Versions: []VersionCase{
			{Version: "v1beta1", Content: `"spec":{"flunderReference":"other-a"}`, Field: []string{"spec", "flunderReference"},
				Defaulted: []string{"spec", "referenceType"}, DefaultedValue: "Flunder",
				Hostile: []string{
					`"spec":{"flunderReference":"a","fischerReference":"b"}`,
					`"spec":{"referenceType":"Fischerman","fischerReference":"b"}`,
					`"spec":{"flunderReference":"../../etc/passwd"}`,
					`"spec":{"referenceType":"Flunder"}`,
				},
				Columns: "NAME REFERENCE TYPE AGE", Row: "other-a Flunder"},
			{Version: "v1alpha1", Content: `"spec":{"reference":"other-a"}`, Field: []string{"spec", "reference"},
				Defaulted: []string{"spec", "referenceType"}, DefaultedValue: "Flunder",
				Hostile: []string{
					`"spec":{"reference":"b","referenceType":"Fischerman"}`,
					`"spec":{"reference":"UPPER_CASE"}`,
					`"spec":{"reference":"` + strings.Repeat("a", 300) + `"}`,
					`"spec":{"referenceType":"Fischer"}`,
				},
				Columns: "NAME REFERENCE TYPE AGE", Row: "other-a Flunder"},
		}},
	{Resource: schema.GroupResource{Group: "wardle.example.com", Resource: "fischers"}, Kind: "Fischer", Namespaced: false,
		Validator: validator(wardlevalidation.ValidateFischer),
		Versions: []VersionCase{
			{Version: "v1beta1", Content: `"disallowedFlunders":["banned-a"]`, Field: []string{"disallowedFlunders"},
				Hostile: []string{`"disallowedFlunders":["a","a"]`, `"disallowedFlunders":[""]`, `"disallowedFlunders":["Not/A/Name"]`},
				Columns: "NAME DISALLOWED AGE", Row: "1"},
			{Version: "v1alpha1", Content: `"disallowedFlunders":["banned-a"]`, Field: []string{"disallowedFlunders"},
				Hostile: []string{`"disallowedFlunders":["b","b","b"]`, `"disallowedFlunders":[" x "]`},
				Columns: "NAME DISALLOWED AGE", Row: "1"},
		}},
}
