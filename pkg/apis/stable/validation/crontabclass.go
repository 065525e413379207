package validation

import (
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/example/extension-apiserver/pkg/apis/stable"
)

// MaxDescriptionLength bounds spec.description of a CronTabClass.
const MaxDescriptionLength = 1024

// ValidateCronTabClass validates a CronTabClass on create.
func ValidateCronTabClass(class *stable.CronTabClass) field.ErrorList {
	allErrs := apimachineryvalidation.ValidateObjectMeta(&class.ObjectMeta, false, apimachineryvalidation.NameIsDNSSubdomain, field.NewPath("metadata"))
	return append(allErrs, validateCronTabClassSpec(&class.Spec, field.NewPath("spec"))...)
}

// ValidateCronTabClassUpdate validates a CronTabClass on update of its main resource.
func ValidateCronTabClassUpdate(newClass, oldClass *stable.CronTabClass) field.ErrorList {
	allErrs := apimachineryvalidation.ValidateObjectMetaUpdate(&newClass.ObjectMeta, &oldClass.ObjectMeta, field.NewPath("metadata"))
	return append(allErrs, validateCronTabClassSpec(&newClass.Spec, field.NewPath("spec"))...)
}

// ValidateCronTabClassStatusUpdate validates a write to the status subresource.
func ValidateCronTabClassStatusUpdate(newClass, oldClass *stable.CronTabClass) field.ErrorList {
	statusPath := field.NewPath("status")
	allErrs := apimachineryvalidation.ValidateObjectMetaUpdate(&newClass.ObjectMeta, &oldClass.ObjectMeta, field.NewPath("metadata"))
	allErrs = append(allErrs, apimachineryvalidation.ValidateNonnegativeField(newClass.Status.ObservedGeneration, statusPath.Child("observedGeneration"))...)
	return append(allErrs, metav1validation.ValidateConditions(newClass.Status.Conditions, statusPath.Child("conditions"))...)
}

func validateCronTabClassSpec(spec *stable.CronTabClassSpec, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	if spec.MaxReplicas < MinReplicas || spec.MaxReplicas > MaxReplicas {
		allErrs = append(allErrs, field.Invalid(fldPath.Child("maxReplicas"), spec.MaxReplicas,
			utilvalidation.InclusiveRangeError(MinReplicas, MaxReplicas)))
	}
	if len(spec.Description) > MaxDescriptionLength {
		allErrs = append(allErrs, field.TooLong(fldPath.Child("description"), "", MaxDescriptionLength))
	}
	return allErrs
}
