package v1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// CronTabSchedule is a CronTab's next run times, computed when read from
// crontabs/<name>/schedule and never stored.
type CronTabSchedule struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata, naming the CronTab: name, namespace, uid and
	// resourceVersion.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	// Spec is what the run times are computed from.
	// +optional
	Spec CronTabScheduleSpec `json:"spec,omitempty" protobuf:"bytes,2,opt,name=spec"`
	// Status holds the computed run times.
	// +optional
	Status CronTabScheduleStatus `json:"status,omitempty" protobuf:"bytes,3,opt,name=status"`
}

// CronTabScheduleSpec is what the run times are computed from.
type CronTabScheduleSpec struct {
	// CronSpec is the CronTab's five-field cron schedule.
	CronSpec string `json:"cronSpec" protobuf:"bytes,1,opt,name=cronSpec"`
	// Suspend is the CronTab's: a suspended CronTab has no next runs.
	// +optional
	Suspend bool `json:"suspend,omitempty" protobuf:"varint,2,opt,name=suspend"`
	// Count is how many run times were asked for.
	Count int32 `json:"count" protobuf:"varint,3,opt,name=count"`
}

// CronTabScheduleStatus holds the computed run times.
type CronTabScheduleStatus struct {
	// ComputedAt is the time the run times follow.
	ComputedAt metav1.Time `json:"computedAt" protobuf:"bytes,1,opt,name=computedAt"`
	// NextRunTimes are the next count times the schedule fires, in UTC, to
	// the minute; none while the CronTab is suspended.
	// +optional
	// +listType=atomic
	NextRunTimes []metav1.Time `json:"nextRunTimes,omitempty" protobuf:"bytes,2,rep,name=nextRunTimes"`
}

// +k8s:conversion-gen:explicit-from=net/url.Values
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// CronTabScheduleOptions are the query parameters of
// crontabs/<name>/schedule.
type CronTabScheduleOptions struct {
	metav1.TypeMeta `json:",inline"`

	// Count is how many run times to compute, from 1 to 100; 5 when unset.
	// +optional
	Count int64 `json:"count,omitempty" protobuf:"varint,1,opt,name=count"`
}
