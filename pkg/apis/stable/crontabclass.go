package stable

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ClassLabel on a CronTab names the CronTabClass whose limits apply to it.
const ClassLabel = "stable.example.com/class"

// CronTabClassSpec is what a class sets for its CronTabs.
type CronTabClassSpec struct {
	// MaxReplicas caps spec.replicas of the CronTabs of the class.
	MaxReplicas int32
	// Description says what the class is for.
	Description string
}

// CronTabClassStatus is the observed state of a CronTabClass.
type CronTabClassStatus struct {
	// ObservedGeneration is the metadata.generation the status describes.
	ObservedGeneration int64
	// Conditions are the latest observations of the class's state.
	Conditions []metav1.Condition
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// CronTabClass is a cluster-wide class of CronTabs, which refer to it with
// the ClassLabel.
type CronTabClass struct {
	metav1.TypeMeta
	metav1.ObjectMeta

	Spec   CronTabClassSpec
	Status CronTabClassStatus
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// CronTabClassList is a list of CronTabClasses.
type CronTabClassList struct {
	metav1.TypeMeta
	metav1.ListMeta

	Items []CronTabClass
}
