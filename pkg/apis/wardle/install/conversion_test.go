package install

import (
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/example/extension-apiserver/pkg/apis/wardle"
	"github.com/example/extension-apiserver/pkg/apis/wardle/validation"
)

// decodeFlunder decodes a request body into the hub type with defaulting,
// as the server does, and validates it.
func decodeFlunder(t *testing.T, body string) (*wardle.Flunder, field.ErrorList) {
	t.Helper()
	scheme := runtime.NewScheme()
	Install(scheme)
	obj, _, err := serializer.NewCodecFactory(scheme).UniversalDecoder(wardle.SchemeGroupVersion).Decode([]byte(body), nil, nil)
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	flunder := obj.(*wardle.Flunder)
	return flunder, validation.ValidateFlunder(flunder)
}

// TestV1alpha1UnknownReferenceTypeIsRefused: sample-apiserver converts this
// to an empty spec and stores it; we keep it so that validation refuses it.
func TestV1alpha1UnknownReferenceTypeIsRefused(t *testing.T) {
	flunder, errs := decodeFlunder(t, `{"apiVersion":"wardle.example.com/v1alpha1","kind":"Flunder",
		"metadata":{"name":"a","namespace":"ns"},"spec":{"reference":"b","referenceType":"Fischerman"}}`)
	if flunder.Spec.ReferenceType != "Fischerman" || flunder.Spec.FlunderReference != "b" {
		t.Errorf("conversion lost the input: %+v", flunder.Spec)
	}
	if len(errs) != 1 || errs[0].Type != field.ErrorTypeNotSupported || errs[0].Field != "spec.referenceType" {
		t.Errorf("errors = %v, want one NotSupported on spec.referenceType", errs)
	}
}

func TestV1alpha1ReferencesReachTheHub(t *testing.T) {
	for _, tc := range []struct {
		body string
		want wardle.FlunderSpec
	}{
		{`{"reference":"b"}`, wardle.FlunderSpec{FlunderReference: "b", ReferenceType: wardle.FlunderReferenceType}},
		{`{"reference":"f","referenceType":"Fischer"}`, wardle.FlunderSpec{FischerReference: "f", ReferenceType: wardle.FischerReferenceType}},
		{`{}`, wardle.FlunderSpec{}},
	} {
		flunder, errs := decodeFlunder(t, `{"apiVersion":"wardle.example.com/v1alpha1","kind":"Flunder",
			"metadata":{"name":"a","namespace":"ns"},"spec":`+tc.body+`}`)
		if flunder.Spec != tc.want || len(errs) != 0 {
			t.Errorf("spec %s: got %+v, errors %v; want %+v", tc.body, flunder.Spec, errs, tc.want)
		}
	}
}
