package stable

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// CronTabSpec is the desired state of a CronTab.
type CronTabSpec struct {
	// CronSpec is a five-field cron schedule (v1beta1 calls it schedule).
	CronSpec string
	// Image is the container image to run.
	Image string
	// Replicas is the desired number of replicas.
	Replicas int32
	// Suspend stops new runs while true. v1beta1 cannot hold it and keeps it
	// in the SuspendAnnotation instead.
	Suspend bool
}

// CronTabStatus is the observed state of a CronTab, written by its controller.
type CronTabStatus struct {
	// Replicas is the number of replicas observed.
	Replicas int32
	// LabelSelector selects the replicas, in the string form of a label selector.
	LabelSelector string
	// ObservedGeneration is the metadata.generation the status describes.
	ObservedGeneration int64
	// Conditions are the latest observations of the CronTab's state.
	Conditions []metav1.Condition
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// CronTab runs an image on a cron schedule.
type CronTab struct {
	metav1.TypeMeta
	metav1.ObjectMeta

	Spec   CronTabSpec
	Status CronTabStatus
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// CronTabList is a list of CronTabs.
type CronTabList struct {
	metav1.TypeMeta
	metav1.ListMeta

	Items []CronTab
}

// SuspendAnnotation carries spec.suspend through versions that lack the
// field (v1beta1), so that an object read and written back through such a
// version loses nothing.
const SuspendAnnotation = "stable.example.com/suspend"
