package wardle

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ReferenceType tells which kind of object a Flunder refers to.
type ReferenceType string

const (
	// FlunderReferenceType marks a reference to another Flunder.
	FlunderReferenceType = ReferenceType("Flunder")
	// FischerReferenceType marks a reference to a Fischer.
	FischerReferenceType = ReferenceType("Fischer")
)

// FlunderSpec is the desired state of a Flunder. At most one reference is
// set, and ReferenceType names which one.
type FlunderSpec struct {
	// FlunderReference is the name of another Flunder in the same namespace.
	FlunderReference string
	// FischerReference is the name of a Fischer.
	FischerReference string
	// ReferenceType is Flunder, Fischer, or empty when nothing is referenced.
	ReferenceType ReferenceType
}

// FlunderStatus is the observed state of a Flunder.
type FlunderStatus struct {
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// Flunder is a namespaced object that may refer to a Flunder or a Fischer.
type Flunder struct {
	metav1.TypeMeta
	metav1.ObjectMeta

	Spec   FlunderSpec
	Status FlunderStatus
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// FlunderList is a list of Flunders.
type FlunderList struct {
	metav1.TypeMeta
	metav1.ListMeta

	Items []Flunder
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// Fischer is a cluster-scoped object naming the Flunders that are not allowed.
type Fischer struct {
	metav1.TypeMeta
	metav1.ObjectMeta

	// DisallowedFlunders holds names of Flunders that may not be created.
	DisallowedFlunders []string
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// FischerList is a list of Fischers.
type FischerList struct {
	metav1.TypeMeta
	metav1.ListMeta

	Items []Fischer
}
