package v1alpha1

import (
	"k8s.io/apimachinery/pkg/conversion"

	"github.com/example/extension-apiserver/pkg/apis/wardle"
)

// Convert_v1alpha1_FlunderSpec_To_wardle_FlunderSpec keeps the reference
// type as given, even when it is not one we know, so that validation reports
// it instead of the conversion silently dropping the reference.
func Convert_v1alpha1_FlunderSpec_To_wardle_FlunderSpec(in *FlunderSpec, out *wardle.FlunderSpec, s conversion.Scope) error {
	out.ReferenceType = ""
	if in.ReferenceType != nil {
		out.ReferenceType = wardle.ReferenceType(*in.ReferenceType)
	}
	out.FlunderReference, out.FischerReference = "", ""
	if out.ReferenceType == wardle.FischerReferenceType {
		out.FischerReference = in.Reference
	} else {
		out.FlunderReference = in.Reference
	}
	return nil
}

// Convert_wardle_FlunderSpec_To_v1alpha1_FlunderSpec folds the two internal
// references into the single v1alpha1 one. Validation guarantees that at most
// one of them is set.
func Convert_wardle_FlunderSpec_To_v1alpha1_FlunderSpec(in *wardle.FlunderSpec, out *FlunderSpec, s conversion.Scope) error {
	out.ReferenceType = nil
	if in.ReferenceType != "" {
		t := ReferenceType(in.ReferenceType)
		out.ReferenceType = &t
	}
	out.Reference = in.FlunderReference
	if in.ReferenceType == wardle.FischerReferenceType || out.Reference == "" {
		out.Reference = in.FischerReference
	}
	return nil
}
