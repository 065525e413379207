package v1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// CronTabSpec is the desired state of a CronTab.
type CronTabSpec struct {
	// CronSpec is a five-field cron schedule, e.g. "* * * * */5".
	// +k8s:validation:pattern="^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$"
	// +required
	CronSpec string `json:"cronSpec" protobuf:"bytes,1,opt,name=cronSpec"`
	// Image is the container image to run.
	// +required
	Image string `json:"image" protobuf:"bytes,2,opt,name=image"`
	// Replicas is the desired number of replicas, from 1 to 10.
	// +optional
	// +default=1
	// +k8s:validation:minimum=1
	// +k8s:validation:maximum=10
	Replicas *int32 `json:"replicas,omitempty" protobuf:"varint,3,opt,name=replicas"`
	// Suspend stops new runs while true.
	// +optional
	// +default=false
	Suspend *bool `json:"suspend,omitempty" protobuf:"varint,4,opt,name=suspend"`
}

// CronTabStatus is the observed state of a CronTab, written by its controller
// through the status subresource.
type CronTabStatus struct {
	// Replicas is the number of replicas observed.
	// +optional
	// +k8s:validation:minimum=0
	Replicas int32 `json:"replicas,omitempty" protobuf:"varint,1,opt,name=replicas"`
	// LabelSelector selects the replicas, in the string form of a label
	// selector; the scale subresource reports it.
	// +optional
	LabelSelector string `json:"labelSelector,omitempty" protobuf:"bytes,2,opt,name=labelSelector"`
	// ObservedGeneration is the metadata.generation the status describes.
	// +optional
	// +k8s:validation:minimum=0
	ObservedGeneration int64 `json:"observedGeneration,omitempty" protobuf:"varint,3,opt,name=observedGeneration"`
	// Conditions are the latest observations of the CronTab's state.
	// +optional
	// +listType=map
	// +listMapKey=type
	// +patchStrategy=merge
	// +patchMergeKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty" patchStrategy:"merge" patchMergeKey:"type" protobuf:"bytes,4,rep,name=conditions"`
}

// +genclient
// +genclient:method=GetScale,verb=get,subresource=scale,result=k8s.io/api/autoscaling/v1.Scale
// +genclient:method=UpdateScale,verb=update,subresource=scale,input=k8s.io/api/autoscaling/v1.Scale,result=k8s.io/api/autoscaling/v1.Scale
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// CronTab runs an image on a cron schedule.
type CronTab struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	// +optional
	Spec CronTabSpec `json:"spec,omitempty" protobuf:"bytes,2,opt,name=spec"`
	// +optional
	Status CronTabStatus `json:"status,omitempty" protobuf:"bytes,3,opt,name=status"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// CronTabList is a list of CronTabs.
type CronTabList struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ListMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	Items []CronTab `json:"items" protobuf:"bytes,2,rep,name=items"`
}
