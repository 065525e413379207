package v1beta1

import (
	"strconv"

	"k8s.io/apimachinery/pkg/conversion"

	"github.com/example/extension-apiserver/pkg/apis/stable"
)

// Convert_stable_CronTabSpec_To_v1beta1_CronTabSpec renames cronSpec to
// schedule. Suspend is carried by the object-level conversion below.
func Convert_stable_CronTabSpec_To_v1beta1_CronTabSpec(in *stable.CronTabSpec, out *CronTabSpec, s conversion.Scope) error {
	if err := autoConvert_stable_CronTabSpec_To_v1beta1_CronTabSpec(in, out, s); err != nil {
		return err
	}
	out.Schedule = in.CronSpec
	return nil
}

// Convert_v1beta1_CronTabSpec_To_stable_CronTabSpec renames schedule to cronSpec.
func Convert_v1beta1_CronTabSpec_To_stable_CronTabSpec(in *CronTabSpec, out *stable.CronTabSpec, s conversion.Scope) error {
	if err := autoConvert_v1beta1_CronTabSpec_To_stable_CronTabSpec(in, out, s); err != nil {
		return err
	}
	out.CronSpec = in.Schedule
	return nil
}

// Convert_stable_CronTab_To_v1beta1_CronTab stores spec.suspend, which
// v1beta1 cannot hold, in stable.SuspendAnnotation.
func Convert_stable_CronTab_To_v1beta1_CronTab(in *stable.CronTab, out *CronTab, s conversion.Scope) error {
	if err := autoConvert_stable_CronTab_To_v1beta1_CronTab(in, out, s); err != nil {
		return err
	}
	if !in.Spec.Suspend {
		return nil
	}
	// The generated code shares the annotation map with the input; copy it
	// before writing so that converting never changes the source object.
	annotations := make(map[string]string, len(in.Annotations)+1)
	for k, v := range in.Annotations {
		annotations[k] = v
	}
	annotations[stable.SuspendAnnotation] = "true"
	out.Annotations = annotations
	return nil
}

// Convert_v1beta1_CronTab_To_stable_CronTab restores spec.suspend from
// stable.SuspendAnnotation. A value that is not a boolean stays in the
// annotations, where validation reports it.
func Convert_v1beta1_CronTab_To_stable_CronTab(in *CronTab, out *stable.CronTab, s conversion.Scope) error {
	if err := autoConvert_v1beta1_CronTab_To_stable_CronTab(in, out, s); err != nil {
		return err
	}
	value, has := in.Annotations[stable.SuspendAnnotation]
	if !has {
		return nil
	}
	suspend, err := strconv.ParseBool(value)
	if err != nil {
		return nil
	}
	out.Spec.Suspend = suspend
	annotations := make(map[string]string, len(in.Annotations))
	for k, v := range in.Annotations {
		if k != stable.SuspendAnnotation {
			annotations[k] = v
		}
	}
	if len(annotations) == 0 {
		annotations = nil
	}
	out.Annotations = annotations
	return nil
}

// Convert_stable_CronTabScheduleSpec_To_v1beta1_CronTabScheduleSpec renames
// cronSpec to schedule, as in the CronTab.
func Convert_stable_CronTabScheduleSpec_To_v1beta1_CronTabScheduleSpec(in *stable.CronTabScheduleSpec, out *CronTabScheduleSpec, s conversion.Scope) error {
	if err := autoConvert_stable_CronTabScheduleSpec_To_v1beta1_CronTabScheduleSpec(in, out, s); err != nil {
		return err
	}
	out.Schedule = in.CronSpec
	return nil
}

// Convert_v1beta1_CronTabScheduleSpec_To_stable_CronTabScheduleSpec renames
// schedule to cronSpec.
func Convert_v1beta1_CronTabScheduleSpec_To_stable_CronTabScheduleSpec(in *CronTabScheduleSpec, out *stable.CronTabScheduleSpec, s conversion.Scope) error {
	if err := autoConvert_v1beta1_CronTabScheduleSpec_To_stable_CronTabScheduleSpec(in, out, s); err != nil {
		return err
	}
	out.CronSpec = in.Schedule
	return nil
}
