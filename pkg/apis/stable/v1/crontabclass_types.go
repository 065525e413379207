package v1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// CronTabClassSpec is what a class sets for its CronTabs.
type CronTabClassSpec struct {
	// MaxReplicas caps spec.replicas of the CronTabs of the class, from 1 to 10.
	// +optional
	// +default=10
	// +k8s:validation:minimum=1
	// +k8s:validation:maximum=10
	MaxReplicas *int32 `json:"maxReplicas,omitempty" protobuf:"varint,1,opt,name=maxReplicas"`
	// Description says what the class is for, in at most 1024 characters.
	// +optional
	// +k8s:validation:maxLength=1024
	Description string `json:"description,omitempty" protobuf:"bytes,2,opt,name=description"`
}

// CronTabClassStatus is the observed state of a CronTabClass, written by a
// controller through the status subresource.
type CronTabClassStatus struct {
	// ObservedGeneration is the metadata.generation the status describes.
	// +optional
	// +k8s:validation:minimum=0
	ObservedGeneration int64 `json:"observedGeneration,omitempty" protobuf:"varint,1,opt,name=observedGeneration"`
	// Conditions are the latest observations of the class's state.
	// +optional
	// +listType=map
	// +listMapKey=type
	// +patchStrategy=merge
	// +patchMergeKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty" patchStrategy:"merge" patchMergeKey:"type" protobuf:"bytes,2,rep,name=conditions"`
}

// +genclient
// +genclient:nonNamespaced
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// CronTabClass is a cluster-wide class of CronTabs: a CronTab labelled
// stable.example.com/class=<name> may not have more replicas than its
// class's spec.maxReplicas.
type CronTabClass struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	// +optional
	Spec CronTabClassSpec `json:"spec,omitempty" protobuf:"bytes,2,opt,name=spec"`
	// +optional
	Status CronTabClassStatus `json:"status,omitempty" protobuf:"bytes,3,opt,name=status"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// CronTabClassList is a list of CronTabClasses.
type CronTabClassList struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ListMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	Items []CronTabClass `json:"items" protobuf:"bytes,2,rep,name=items"`
}
