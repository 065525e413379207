package apitesting_test

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"

	"github.com/example/extension-apiserver/pkg/apis/apitesting"
	"github.com/example/extension-apiserver/pkg/apis/stable"
	stableinstall "github.com/example/extension-apiserver/pkg/apis/stable/install"
	"github.com/example/extension-apiserver/pkg/apis/wardle"
	wardleinstall "github.com/example/extension-apiserver/pkg/apis/wardle/install"
)

// TestExamples decodes every YAML file in artifacts/examples into the hub
// type, with defaulting, and validates it: valid examples pass, the
// *-invalid.yaml ones fail on exactly the fields they document.
func TestExamples(t *testing.T) {
	scheme := runtime.NewScheme()
	stableinstall.Install(scheme)
	wardleinstall.Install(scheme)
	decoder := serializer.NewCodecFactory(scheme).UniversalDecoder(stable.SchemeGroupVersion, wardle.SchemeGroupVersion)

	wantInvalid := map[string][]string{
		"crontab-invalid.yaml": {"spec.cronSpec", "spec.replicas"},
		"flunder-invalid.yaml": {"spec.referenceType"},
	}
	files, err := filepath.Glob("../../../artifacts/examples/*.yaml")
	if err != nil || len(files) < 8 {
		t.Fatalf("found %d examples (%v), want at least 8", len(files), err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			obj, _, err := decoder.Decode(data, nil, nil)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			kind, served := apitesting.ForObject(obj)
			if !served {
				t.Fatalf("%T is not a served kind", obj)
			}
			if kind.Namespaced {
				obj.(metav1.Object).SetNamespace("default")
			}
			errs := kind.Validator.Validate(obj)
			var fields []string
			for _, e := range errs {
				fields = append(fields, e.Field)
			}
			sort.Strings(fields)
			if want := wantInvalid[filepath.Base(file)]; strings.Join(fields, ",") != strings.Join(want, ",") {
				t.Errorf("invalid fields = %v (%v), want %v", fields, errs, want)
			}
		})
	}
}
