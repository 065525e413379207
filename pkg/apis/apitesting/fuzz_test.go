package apitesting_test

import (
	"os"
	"path/filepath"
	"testing"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"sigs.k8s.io/yaml"

	"github.com/example/extension-apiserver/pkg/apis/apitesting"
	"github.com/example/extension-apiserver/pkg/apis/stable"
	stableinstall "github.com/example/extension-apiserver/pkg/apis/stable/install"
	"github.com/example/extension-apiserver/pkg/apis/wardle"
	wardleinstall "github.com/example/extension-apiserver/pkg/apis/wardle/install"
)

// FuzzDecodeConvertValidate feeds arbitrary bytes through what the server
// does with a request body: decode (JSON or YAML) into the hub type with
// defaulting, validate. It must never panic, and an object that validates
// must survive a round trip through every served version unchanged.
func FuzzDecodeConvertValidate(f *testing.F) {
	files, _ := filepath.Glob("../../../artifacts/examples/*.yaml")
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
		if asJSON, err := yaml.YAMLToJSON(data); err == nil {
			f.Add(asJSON)
		}
	}
	for _, seed := range []string{
		`{"apiVersion":"stable.example.com/v1beta1","kind":"CronTab","metadata":{"name":"a","namespace":"n","annotations":{"stable.example.com/suspend":"true"}},"spec":{"schedule":"* * * * *","image":"i"}}`,
		`{"apiVersion":"wardle.example.com/v1alpha1","kind":"Flunder","metadata":{"name":"a","namespace":"n"},"spec":{"reference":"x","referenceType":"Fischerman"}}`,
		`{"apiVersion":"wardle.example.com/v1beta1","kind":"Fischer","metadata":{"name":"a"},"disallowedFlunders":["a","a"]}`,
		`{"apiVersion":"stable.example.com/v1","kind":"CronTab","spec":{"replicas":1e400}}`,
	} {
		f.Add([]byte(seed))
	}

	scheme := runtime.NewScheme()
	stableinstall.Install(scheme)
	wardleinstall.Install(scheme)
	codecs := serializer.NewCodecFactory(scheme)
	decoder := codecs.UniversalDecoder(stable.SchemeGroupVersion, wardle.SchemeGroupVersion)

	f.Fuzz(func(t *testing.T, data []byte) {
		obj, _, err := decoder.Decode(data, nil, nil)
		if err != nil {
			return
		}
		kind, served := apitesting.ForObject(obj)
		if !served {
			return // lists and other registered types
		}
		if o := obj.(metav1.Object); kind.Namespaced && o.GetNamespace() == "" {
			o.SetNamespace("default")
		}
		gvks, _, err := scheme.ObjectKinds(obj)
		if err != nil {
			t.Fatal(err)
		}
		errs, group := kind.Validator.Validate(obj), gvks[0].Group
		if len(errs) != 0 {
			return
		}
		for _, gv := range scheme.PrioritizedVersionsForGroup(group) {
			encoded, err := runtime.Encode(codecs.LegacyCodec(gv), obj)
			if err != nil {
				t.Fatalf("encoding a valid object as %s: %v", gv, err)
			}
			back, _, err := decoder.Decode(encoded, nil, nil)
			if err != nil {
				t.Fatalf("decoding our own %s encoding: %v\n%s", gv, err, encoded)
			}
			resetTypeMeta(back, obj.GetObjectKind().GroupVersionKind())
			if !apiequality.Semantic.DeepEqual(obj, back) {
				t.Fatalf("a valid object changed through %s:\nbefore %#v\nafter  %#v", gv, obj, back)
			}
		}
	})
}

func resetTypeMeta(obj runtime.Object, gvk schema.GroupVersionKind) {
	obj.GetObjectKind().SetGroupVersionKind(gvk)
}
