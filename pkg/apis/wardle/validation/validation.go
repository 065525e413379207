// Package validation checks wardle.example.com objects on create and update.
// Every function returns all failing fields at once, so that one 422 names
// them all.
package validation

import (
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/example/extension-apiserver/pkg/apis/wardle"
)

var supportedReferenceTypes = []wardle.ReferenceType{wardle.FlunderReferenceType, wardle.FischerReferenceType}

// ValidateFlunder validates a Flunder on create.
func ValidateFlunder(flunder *wardle.Flunder) field.ErrorList {
	allErrs := apimachineryvalidation.ValidateObjectMeta(&flunder.ObjectMeta, true, apimachineryvalidation.NameIsDNSSubdomain, field.NewPath("metadata"))
	allErrs = append(allErrs, ValidateFlunderSpec(&flunder.Spec, field.NewPath("spec"))...)
	return allErrs
}

// ValidateFlunderUpdate validates a Flunder on update.
func ValidateFlunderUpdate(newFlunder, oldFlunder *wardle.Flunder) field.ErrorList {
	allErrs := apimachineryvalidation.ValidateObjectMetaUpdate(&newFlunder.ObjectMeta, &oldFlunder.ObjectMeta, field.NewPath("metadata"))
	allErrs = append(allErrs, ValidateFlunderSpec(&newFlunder.Spec, field.NewPath("spec"))...)
	return allErrs
}

// ValidateFlunderStatusUpdate validates a write to the status subresource.
// FlunderStatus has no fields yet; the metadata rules still apply.
func ValidateFlunderStatusUpdate(newFlunder, oldFlunder *wardle.Flunder) field.ErrorList {
	return apimachineryvalidation.ValidateObjectMetaUpdate(&newFlunder.ObjectMeta, &oldFlunder.ObjectMeta, field.NewPath("metadata"))
}

// ValidateFlunderSpec checks that referenceType names exactly the reference
// that is set, and that the reference is a valid object name.
func ValidateFlunderSpec(spec *wardle.FlunderSpec, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	flunderPath, fischerPath, typePath := fldPath.Child("flunderReference"), fldPath.Child("fischerReference"), fldPath.Child("referenceType")

	allErrs = append(allErrs, validateReferenceName(spec.FlunderReference, flunderPath)...)
	allErrs = append(allErrs, validateReferenceName(spec.FischerReference, fischerPath)...)

	switch spec.ReferenceType {
	case wardle.FlunderReferenceType:
		if spec.FlunderReference == "" {
			allErrs = append(allErrs, field.Required(flunderPath, "required when referenceType is Flunder"))
		}
		if spec.FischerReference != "" {
			allErrs = append(allErrs, field.Forbidden(fischerPath, "may not be set when referenceType is Flunder"))
		}
	case wardle.FischerReferenceType:
		if spec.FischerReference == "" {
			allErrs = append(allErrs, field.Required(fischerPath, "required when referenceType is Fischer"))
		}
		if spec.FlunderReference != "" {
			allErrs = append(allErrs, field.Forbidden(flunderPath, "may not be set when referenceType is Fischer"))
		}
	case "":
		if spec.FlunderReference != "" && spec.FischerReference != "" {
			allErrs = append(allErrs, field.Forbidden(fischerPath, "may not be set together with flunderReference"))
		} else if spec.FlunderReference != "" || spec.FischerReference != "" {
			allErrs = append(allErrs, field.Required(typePath, "required when a reference is set"))
		}
	default:
		allErrs = append(allErrs, field.NotSupported(typePath, spec.ReferenceType, supportedReferenceTypes))
	}
	return allErrs
}

// ValidateFischer validates a Fischer on create.
func ValidateFischer(fischer *wardle.Fischer) field.ErrorList {
	allErrs := apimachineryvalidation.ValidateObjectMeta(&fischer.ObjectMeta, false, apimachineryvalidation.NameIsDNSSubdomain, field.NewPath("metadata"))
	allErrs = append(allErrs, validateDisallowedFlunders(fischer.DisallowedFlunders, field.NewPath("disallowedFlunders"))...)
	return allErrs
}

// ValidateFischerUpdate validates a Fischer on update.
func ValidateFischerUpdate(newFischer, oldFischer *wardle.Fischer) field.ErrorList {
	allErrs := apimachineryvalidation.ValidateObjectMetaUpdate(&newFischer.ObjectMeta, &oldFischer.ObjectMeta, field.NewPath("metadata"))
	allErrs = append(allErrs, validateDisallowedFlunders(newFischer.DisallowedFlunders, field.NewPath("disallowedFlunders"))...)
	return allErrs
}

func validateDisallowedFlunders(names []string, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	seen := sets.New[string]()
	for i, name := range names {
		entryPath := fldPath.Index(i)
		if name == "" {
			allErrs = append(allErrs, field.Required(entryPath, "a Flunder name"))
			continue
		}
		allErrs = append(allErrs, validateReferenceName(name, entryPath)...)
		if seen.Has(name) {
			allErrs = append(allErrs, field.Duplicate(entryPath, name))
		}
		seen.Insert(name)
	}
	return allErrs
}

// validateReferenceName checks a name that refers to another object; an
// empty name means no reference and is left to the caller.
func validateReferenceName(name string, fldPath *field.Path) field.ErrorList {
	if name == "" {
		return nil
	}
	var allErrs field.ErrorList
	for _, msg := range apimachineryvalidation.NameIsDNSSubdomain(name, false) {
		allErrs = append(allErrs, field.Invalid(fldPath, name, msg))
	}
	return allErrs
}
