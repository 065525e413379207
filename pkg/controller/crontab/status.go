// Package crontab is the CronTab controller: status that follows spec, and
// the cleanup finalizer removed once its cleanup ran.
package crontab

import (
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	stablev1 "github.com/example/extension-apiserver/pkg/apis/stable/v1"
)

// SelectorLabel is the label the replicas of a CronTab carry; the status
// (and the scale subresource) report the selector on it.
const SelectorLabel = "stable.example.com/crontab"

// Condition types and reasons the controller writes.
const (
	ConditionReady     = "Ready"
	ConditionCleanedUp = "CleanedUp"

	ReasonReplicasUpToDate = "ReplicasUpToDate"
	ReasonSuspended        = "Suspended"
	ReasonFinalized        = "Finalized"
)

// desiredStatus is the status a CronTab should have: replicas follow the
// spec (none while suspended), and Ready says which. Conditions keep their
// lastTransitionTime while their status stays the same.
func desiredStatus(ct *stablev1.CronTab, now metav1.Time) stablev1.CronTabStatus {
	status := *ct.Status.DeepCopy()
	suspended := ct.Spec.Suspend != nil && *ct.Spec.Suspend
	status.Replicas = 0
	if ct.Spec.Replicas != nil && !suspended {
		status.Replicas = *ct.Spec.Replicas
	}
	status.LabelSelector = SelectorLabel + "=" + ct.Name
	status.ObservedGeneration = ct.Generation

	ready := metav1.Condition{Type: ConditionReady, Status: metav1.ConditionTrue, Reason: ReasonReplicasUpToDate,
		Message: "status.replicas follows spec.replicas", ObservedGeneration: ct.Generation, LastTransitionTime: now}
	if suspended {
		ready.Status, ready.Reason, ready.Message = metav1.ConditionFalse, ReasonSuspended, "spec.suspend is true"
	}
	meta.SetStatusCondition(&status.Conditions, ready)
	return status
}

// statusChanged tells whether writing desired would change anything.
func statusChanged(current, desired stablev1.CronTabStatus) bool {
	return !apiequality.Semantic.DeepEqual(current, desired)
}
