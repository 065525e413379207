package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ReferenceType tells which kind of object a Flunder refers to.
// +enum
type ReferenceType string

const (
	// FlunderReferenceType marks a reference to another Flunder.
	FlunderReferenceType = ReferenceType("Flunder")
	// FischerReferenceType marks a reference to a Fischer.
	FischerReferenceType = ReferenceType("Fischer")
)

// FlunderSpec is the desired state of a Flunder.
type FlunderSpec struct {
	// Reference is the name of a Flunder or a Fischer, as ReferenceType says.
	// +optional
	Reference string `json:"reference,omitempty" protobuf:"bytes,1,opt,name=reference"`
	// ReferenceType is Flunder or Fischer; it defaults to Flunder when
	// reference is set.
	// +optional
	ReferenceType *ReferenceType `json:"referenceType,omitempty" protobuf:"bytes,2,opt,name=referenceType,casttype=ReferenceType"`
}

// FlunderStatus is the observed state of a Flunder.
type FlunderStatus struct {
}

// +genclient
// +k8s:prerelease-lifecycle-gen:introduced=1.34
// +k8s:prerelease-lifecycle-gen:deprecated=1.37
// +k8s:prerelease-lifecycle-gen:removed=1.40
// +k8s:prerelease-lifecycle-gen:replacement=wardle.example.com,v1beta1,Flunder
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// Flunder is a namespaced object that may refer to another Flunder or to a Fischer.
type Flunder struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	// +optional
	Spec FlunderSpec `json:"spec,omitempty" protobuf:"bytes,2,opt,name=spec"`
	// +optional
	Status FlunderStatus `json:"status,omitempty" protobuf:"bytes,3,opt,name=status"`
}

// +k8s:prerelease-lifecycle-gen:introduced=1.34
// +k8s:prerelease-lifecycle-gen:deprecated=1.37
// +k8s:prerelease-lifecycle-gen:removed=1.40
// +k8s:prerelease-lifecycle-gen:replacement=wardle.example.com,v1beta1,FlunderList
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// FlunderList is a list of Flunders.
type FlunderList struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ListMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	Items []Flunder `json:"items" protobuf:"bytes,2,rep,name=items"`
}

// +genclient
// +genclient:nonNamespaced
// +k8s:prerelease-lifecycle-gen:introduced=1.34
// +k8s:prerelease-lifecycle-gen:deprecated=1.37
// +k8s:prerelease-lifecycle-gen:removed=1.40
// +k8s:prerelease-lifecycle-gen:replacement=wardle.example.com,v1beta1,Fischer
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// Fischer is a cluster-scoped object naming the Flunders that may not exist.
type Fischer struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	// DisallowedFlunders holds the names of Flunders that may not be created.
	// Each entry is a valid object name and appears at most once.
	// +optional
	// +listType=set
	DisallowedFlunders []string `json:"disallowedFlunders,omitempty" protobuf:"bytes,2,rep,name=disallowedFlunders"`
}

// +k8s:prerelease-lifecycle-gen:introduced=1.34
// +k8s:prerelease-lifecycle-gen:deprecated=1.37
// +k8s:prerelease-lifecycle-gen:removed=1.40
// +k8s:prerelease-lifecycle-gen:replacement=wardle.example.com,v1beta1,FischerList
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// FischerList is a list of Fischers.
type FischerList struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ListMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	Items []Fischer `json:"items" protobuf:"bytes,2,rep,name=items"`
}
