package stable

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Bounds of the number of run times the schedule subresource computes.
const (
	DefaultScheduleCount = 5
	MaxScheduleCount     = 100
)

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// CronTabSchedule is a CronTab's next run times, computed when read from
// its schedule subresource and never stored.
type CronTabSchedule struct {
	metav1.TypeMeta
	// ObjectMeta names the CronTab: name, namespace, uid, resourceVersion.
	metav1.ObjectMeta

	Spec   CronTabScheduleSpec
	Status CronTabScheduleStatus
}

// CronTabScheduleSpec is what the run times are computed from.
type CronTabScheduleSpec struct {
	// CronSpec is the CronTab's schedule (v1beta1 calls it schedule).
	CronSpec string
	// Suspend is the CronTab's: a suspended CronTab has no next runs.
	Suspend bool
	// Count is how many run times were asked for.
	Count int32
}

// CronTabScheduleStatus holds the computed run times.
type CronTabScheduleStatus struct {
	// ComputedAt is the time the run times follow.
	ComputedAt metav1.Time
	// NextRunTimes are the next Count times the schedule fires, in UTC.
	NextRunTimes []metav1.Time
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// CronTabScheduleOptions are the query parameters of the schedule
// subresource.
type CronTabScheduleOptions struct {
	metav1.TypeMeta

	// Count is how many run times to compute; 0 asks for the default.
	Count int64
}
