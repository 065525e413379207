package install

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"

	"github.com/example/extension-apiserver/pkg/apis/wardle/v1alpha1"
	"github.com/example/extension-apiserver/pkg/apis/wardle/v1beta1"
)

func TestDefaults(t *testing.T) {
	scheme := runtime.NewScheme()
	Install(scheme)
	for _, tc := range []struct {
		name     string
		in, want runtime.Object
	}{
		{
			name: "v1alpha1 bare reference is a Flunder reference",
			in:   &v1alpha1.Flunder{Spec: v1alpha1.FlunderSpec{Reference: "other"}},
			want: &v1alpha1.Flunder{Spec: v1alpha1.FlunderSpec{Reference: "other", ReferenceType: ptr.To(v1alpha1.FlunderReferenceType)}},
		},
		{
			name: "v1alpha1 empty reference type is replaced",
			in:   &v1alpha1.Flunder{Spec: v1alpha1.FlunderSpec{Reference: "other", ReferenceType: ptr.To(v1alpha1.ReferenceType(""))}},
			want: &v1alpha1.Flunder{Spec: v1alpha1.FlunderSpec{Reference: "other", ReferenceType: ptr.To(v1alpha1.FlunderReferenceType)}},
		},
		{
			name: "v1alpha1 explicit Fischer kept",
			in:   &v1alpha1.Flunder{Spec: v1alpha1.FlunderSpec{Reference: "f", ReferenceType: ptr.To(v1alpha1.FischerReferenceType)}},
			want: &v1alpha1.Flunder{Spec: v1alpha1.FlunderSpec{Reference: "f", ReferenceType: ptr.To(v1alpha1.FischerReferenceType)}},
		},
		{
			name: "v1alpha1 no reference, no type",
			in:   &v1alpha1.Flunder{},
			want: &v1alpha1.Flunder{},
		},
		{
			name: "v1beta1 flunderReference sets the type",
			in:   &v1beta1.Flunder{Spec: v1beta1.FlunderSpec{FlunderReference: "a"}},
			want: &v1beta1.Flunder{Spec: v1beta1.FlunderSpec{FlunderReference: "a", ReferenceType: v1beta1.FlunderReferenceType}},
		},
		{
			name: "v1beta1 fischerReference sets the type",
			in:   &v1beta1.Flunder{Spec: v1beta1.FlunderSpec{FischerReference: "b"}},
			want: &v1beta1.Flunder{Spec: v1beta1.FlunderSpec{FischerReference: "b", ReferenceType: v1beta1.FischerReferenceType}},
		},
		{
			name: "v1beta1 both references: left for validation",
			in:   &v1beta1.Flunder{Spec: v1beta1.FlunderSpec{FlunderReference: "a", FischerReference: "b"}},
			want: &v1beta1.Flunder{Spec: v1beta1.FlunderSpec{FlunderReference: "a", FischerReference: "b"}},
		},
		{
			name: "v1beta1 explicit type kept even if it does not match",
			in:   &v1beta1.Flunder{Spec: v1beta1.FlunderSpec{FlunderReference: "a", ReferenceType: v1beta1.FischerReferenceType}},
			want: &v1beta1.Flunder{Spec: v1beta1.FlunderSpec{FlunderReference: "a", ReferenceType: v1beta1.FischerReferenceType}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			scheme.Default(tc.in)
			if diff := cmp.Diff(tc.want, tc.in); diff != "" {
				t.Errorf("defaulted object differs (-want +got):\n%s", diff)
			}
		})
	}
}
