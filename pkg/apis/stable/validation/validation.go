// Package validation checks stable.example.com objects on create and update.
// Every function returns all failing fields at once, so that one 422 names
// them all.
package validation

import (
	"fmt"
	"regexp"
	"strings"

	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/labels"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/example/extension-apiserver/pkg/apis/stable"
)

// CronSpecPattern is the five-field cron schedule a CronTab accepts.
const CronSpecPattern = `^(\d+|\*)(/\d+)?(\s+(\d+|\*)(/\d+)?){4}$`

// Replica bounds of spec.replicas.
const (
	MinReplicas = 1
	MaxReplicas = 10
)

var cronSpecRegexp = regexp.MustCompile(CronSpecPattern)

// ValidateCronTab validates a CronTab on create.
func ValidateCronTab(crontab *stable.CronTab) field.ErrorList {
	metaPath := field.NewPath("metadata")
	allErrs := apimachineryvalidation.ValidateObjectMeta(&crontab.ObjectMeta, true, apimachineryvalidation.NameIsDNSSubdomain, metaPath)
	allErrs = append(allErrs, validateNoSuspendAnnotation(crontab.Annotations, metaPath.Child("annotations"))...)
	allErrs = append(allErrs, ValidateCronTabSpec(&crontab.Spec, field.NewPath("spec"))...)
	return allErrs
}

// ValidateCronTabUpdate validates a CronTab on update of its main resource.
func ValidateCronTabUpdate(newCronTab, oldCronTab *stable.CronTab) field.ErrorList {
	metaPath := field.NewPath("metadata")
	allErrs := apimachineryvalidation.ValidateObjectMetaUpdate(&newCronTab.ObjectMeta, &oldCronTab.ObjectMeta, metaPath)
	allErrs = append(allErrs, validateNoSuspendAnnotation(newCronTab.Annotations, metaPath.Child("annotations"))...)
	allErrs = append(allErrs, ValidateCronTabSpec(&newCronTab.Spec, field.NewPath("spec"))...)
	return allErrs
}

// ValidateCronTabStatusUpdate validates a write to the status subresource.
func ValidateCronTabStatusUpdate(newCronTab, oldCronTab *stable.CronTab) field.ErrorList {
	allErrs := apimachineryvalidation.ValidateObjectMetaUpdate(&newCronTab.ObjectMeta, &oldCronTab.ObjectMeta, field.NewPath("metadata"))
	allErrs = append(allErrs, ValidateCronTabStatus(&newCronTab.Status, field.NewPath("status"))...)
	return allErrs
}

// ValidateCronTabSpec validates the schedule, image and replica count.
func ValidateCronTabSpec(spec *stable.CronTabSpec, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	cronSpecPath := fldPath.Child("cronSpec")
	switch {
	case spec.CronSpec == "":
		allErrs = append(allErrs, field.Required(cronSpecPath, `a five-field cron schedule such as "* * * * */5"`))
	case !cronSpecRegexp.MatchString(spec.CronSpec):
		allErrs = append(allErrs, field.Invalid(cronSpecPath, spec.CronSpec,
			fmt.Sprintf("must be a five-field cron schedule matching %s", CronSpecPattern)))
	}
	imagePath := fldPath.Child("image")
	switch {
	case spec.Image == "":
		allErrs = append(allErrs, field.Required(imagePath, ""))
	case spec.Image != strings.TrimSpace(spec.Image):
		allErrs = append(allErrs, field.Invalid(imagePath, spec.Image, "must not have leading or trailing whitespace"))
	}
	if spec.Replicas < MinReplicas || spec.Replicas > MaxReplicas {
		allErrs = append(allErrs, field.Invalid(fldPath.Child("replicas"), spec.Replicas,
			utilvalidation.InclusiveRangeError(MinReplicas, MaxReplicas)))
	}
	return allErrs
}

// ValidateCronTabStatus validates what a controller reports.
func ValidateCronTabStatus(status *stable.CronTabStatus, fldPath *field.Path) field.ErrorList {
	allErrs := apimachineryvalidation.ValidateNonnegativeField(int64(status.Replicas), fldPath.Child("replicas"))
	allErrs = append(allErrs, apimachineryvalidation.ValidateNonnegativeField(status.ObservedGeneration, fldPath.Child("observedGeneration"))...)
	if status.LabelSelector != "" {
		if _, err := labels.Parse(status.LabelSelector); err != nil {
			allErrs = append(allErrs, field.Invalid(fldPath.Child("labelSelector"), status.LabelSelector, err.Error()))
		}
	}
	allErrs = append(allErrs, metav1validation.ValidateConditions(status.Conditions, fldPath.Child("conditions"))...)
	return allErrs
}

// validateNoSuspendAnnotation refuses stable.SuspendAnnotation on the hub
// object. Conversion from v1beta1 consumes a valid one, so one that is left
// either is not a boolean or was sent through v1, which has spec.suspend.
func validateNoSuspendAnnotation(annotations map[string]string, fldPath *field.Path) field.ErrorList {
	value, has := annotations[stable.SuspendAnnotation]
	if !has {
		return nil
	}
	return field.ErrorList{field.Invalid(fldPath.Key(stable.SuspendAnnotation), value,
		`must be "true" or "false", and is only accepted from stable.example.com/v1beta1 clients; in v1 set spec.suspend`)}
}
