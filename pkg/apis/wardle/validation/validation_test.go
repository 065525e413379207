package validation

import (
	"sort"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/example/extension-apiserver/pkg/apis/wardle"
)

func expectErrors(t *testing.T, errs field.ErrorList, want ...string) {
	t.Helper()
	var got []string
	for _, e := range errs {
		got = append(got, string(e.Type)+" "+e.Field)
	}
	sort.Strings(got)
	sort.Strings(want)
	if len(got) != len(want) {
		t.Fatalf("errors = %v, want %v", errs, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("errors = %v, want %v", errs, want)
		}
	}
}

func flunderWith(spec wardle.FlunderSpec) *wardle.Flunder {
	return &wardle.Flunder{ObjectMeta: metav1.ObjectMeta{Name: "my-flunder", Namespace: "default", ResourceVersion: "1"}, Spec: spec}
}

var flunderSpecCases = []struct {
	name string
	spec wardle.FlunderSpec
	want []string
}{
	{name: "no reference", spec: wardle.FlunderSpec{}},
	{name: "flunder reference", spec: wardle.FlunderSpec{FlunderReference: "other", ReferenceType: wardle.FlunderReferenceType}},
	{name: "fischer reference", spec: wardle.FlunderSpec{FischerReference: "fish.example", ReferenceType: wardle.FischerReferenceType}},
	{name: "unknown type", spec: wardle.FlunderSpec{FlunderReference: "other", ReferenceType: "Fischerman"},
		want: []string{"FieldValueNotSupported spec.referenceType"}},
	{name: "type without reference", spec: wardle.FlunderSpec{ReferenceType: wardle.FlunderReferenceType},
		want: []string{"FieldValueRequired spec.flunderReference"}},
	{name: "Fischer type without reference", spec: wardle.FlunderSpec{ReferenceType: wardle.FischerReferenceType},
		want: []string{"FieldValueRequired spec.fischerReference"}},
	{name: "Flunder type with the wrong reference", spec: wardle.FlunderSpec{FischerReference: "f", ReferenceType: wardle.FlunderReferenceType},
		want: []string{"FieldValueRequired spec.flunderReference", "FieldValueForbidden spec.fischerReference"}},
	{name: "Fischer type with both references", spec: wardle.FlunderSpec{FlunderReference: "a", FischerReference: "f", ReferenceType: wardle.FischerReferenceType},
		want: []string{"FieldValueForbidden spec.flunderReference"}},
	{name: "both references, no type", spec: wardle.FlunderSpec{FlunderReference: "a", FischerReference: "f"},
		want: []string{"FieldValueForbidden spec.fischerReference"}},
	{name: "reference without type", spec: wardle.FlunderSpec{FischerReference: "f"},
		want: []string{"FieldValueRequired spec.referenceType"}},
	{name: "invalid reference name", spec: wardle.FlunderSpec{FlunderReference: "Not/A_Name", ReferenceType: wardle.FlunderReferenceType},
		want: []string{"FieldValueInvalid spec.flunderReference"}},
}

func TestValidateFlunder(t *testing.T) {
	for _, tc := range flunderSpecCases {
		t.Run(tc.name, func(t *testing.T) {
			expectErrors(t, ValidateFlunder(flunderWith(tc.spec)), tc.want...)
		})
	}
	t.Run("metadata", func(t *testing.T) {
		flunder := flunderWith(wardle.FlunderSpec{ReferenceType: "X"})
		flunder.Name, flunder.Namespace = "UPPER", ""
		expectErrors(t, ValidateFlunder(flunder),
			"FieldValueInvalid metadata.name", "FieldValueRequired metadata.namespace", "FieldValueNotSupported spec.referenceType")
	})
}

func TestValidateFlunderUpdate(t *testing.T) {
	for _, tc := range flunderSpecCases {
		t.Run(tc.name, func(t *testing.T) {
			expectErrors(t, ValidateFlunderUpdate(flunderWith(tc.spec), flunderWith(wardle.FlunderSpec{})), tc.want...)
		})
	}
	t.Run("namespace is immutable", func(t *testing.T) {
		flunder := flunderWith(wardle.FlunderSpec{})
		flunder.Namespace = "elsewhere"
		expectErrors(t, ValidateFlunderUpdate(flunder, flunderWith(wardle.FlunderSpec{})), "FieldValueInvalid metadata.namespace")
	})
}

func fischerWith(names ...string) *wardle.Fischer {
	return &wardle.Fischer{ObjectMeta: metav1.ObjectMeta{Name: "my-fischer", ResourceVersion: "1"}, DisallowedFlunders: names}
}

var fischerCases = []struct {
	name  string
	names []string
	want  []string
}{
	{name: "none"},
	{name: "valid names", names: []string{"a", "b.c", "d-e"}},
	{name: "empty entry", names: []string{"a", ""}, want: []string{"FieldValueRequired disallowedFlunders[1]"}},
	{name: "invalid entries all reported", names: []string{"A", "b", "c_d"},
		want: []string{"FieldValueInvalid disallowedFlunders[0]", "FieldValueInvalid disallowedFlunders[2]"}},
	{name: "duplicate", names: []string{"a", "b", "a"}, want: []string{"FieldValueDuplicate disallowedFlunders[2]"}},
}

func TestValidateFischer(t *testing.T) {
	for _, tc := range fischerCases {
		t.Run(tc.name, func(t *testing.T) {
			expectErrors(t, ValidateFischer(fischerWith(tc.names...)), tc.want...)
		})
	}
	t.Run("cluster-scoped", func(t *testing.T) {
		fischer := fischerWith()
		fischer.Namespace = "default"
		expectErrors(t, ValidateFischer(fischer), "FieldValueForbidden metadata.namespace")
	})
}

func TestValidateFischerUpdate(t *testing.T) {
	for _, tc := range fischerCases {
		t.Run(tc.name, func(t *testing.T) {
			expectErrors(t, ValidateFischerUpdate(fischerWith(tc.names...), fischerWith("x")), tc.want...)
		})
	}
	t.Run("name is immutable", func(t *testing.T) {
		fischer := fischerWith()
		fischer.Name = "renamed"
		expectErrors(t, ValidateFischerUpdate(fischer, fischerWith()), "FieldValueInvalid metadata.name")
	})
}
