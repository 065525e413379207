package conformance

import (
	"slices"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Mode says how this server is reached: behind kube-apiserver through an
// APIService, or on its own with embedded etcd and no cluster.
type Mode string

const (
	Aggregated Mode = "aggregated"
	Standalone Mode = "standalone"
)

// IntendedDifference is this server's answer to a step where it differs
// from the CRD on purpose, and why. Any other answer to the step fails.
type IntendedDifference struct {
	Step  string
	Modes []Mode
	Ours  Answer
	// Adds, when set, says this server answers as the CRD does plus these
	// Content entries (what a CRD cannot serve); Ours is then unused.
	Adds   map[string]any
	Reason string
}

// expected is the answer the difference explains, given the CRD's.
func (d IntendedDifference) expected(crd Answer) Answer {
	if d.Adds == nil {
		return d.Ours
	}
	content := make(map[string]any, len(crd.Content)+len(d.Adds))
	for k, v := range crd.Content {
		content[k] = v
	}
	for k, v := range d.Adds {
		content[k] = v
	}
	crd.Content = content
	return crd
}

var both = []Mode{Aggregated, Standalone}

// IntendedDifferences are the differences kept on purpose. Three more are
// normalized away in every answer, since they concern how the data is
// spelled rather than what it says: an empty status is always present on
// this server's objects (a typed status has no "absent"), list items omit
// apiVersion and kind, and the OpenAPI schema gives fields without
// omitempty a default of "" or {} (all three as for the built-in kinds).
var IntendedDifferences = []IntendedDifference{
	{
		Step:  "discovery",
		Modes: both,
		Adds: map[string]any{
			"crontabs/schedule": "kind=CronTabSchedule group=<nil> version=<nil> singular= namespaced=true verbs=[get] shortNames=<nil> categories=<nil>",
		},
		Reason: "crontabs/schedule is computed from the stored CronTab at every read and never stored: a subresource " +
			"a CRD cannot serve",
	},
	{
		Step:   "delete in the foreground",
		Modes:  []Mode{Standalone},
		Ours:   Answer{Code: 200, Kind: "crontabs"},
		Reason: noGarbageCollector,
	},
	{
		Step:   "delete orphaning dependents",
		Modes:  []Mode{Standalone},
		Ours:   Answer{Code: 200, Kind: "crontabs"},
		Reason: noGarbageCollector,
	},
	{
		Step:  "status patch of the wrong type",
		Modes: both,
		Ours:  Answer{Code: 422, Reason: metav1.StatusReasonInvalid, Kind: "CronTab", Causes: []string{"status.replicas FieldValueInvalid"}},
		Reason: "the CRD reports the wrong type twice, as FieldValueInvalid from its decoder and FieldValueTypeInvalid from " +
			"schema validation; this server reports it once, as FieldValueInvalid",
	},
}

const noGarbageCollector = "with no cluster there is no garbage collector to remove the foregroundDeletion or orphan " +
	"finalizer, so a standalone server deletes at once (a Status Success) instead of leaving an object that would never go " +
	"(--enable-garbage-collector turns propagation back on)"

// Result is one step's comparison.
type Result struct {
	Step      Step
	Ours, CRD Answer
	// Diff is empty when the answers agree.
	Diff string
	// Intended is the listed difference that explains Diff, if any.
	Intended *IntendedDifference
}

// Unintended tells whether the step differs in a way nobody chose.
func (r Result) Unintended() bool { return r.Diff != "" && r.Intended == nil }

// Compare pairs each step's answers and explains each difference with the
// intended ones for mode, when one of them is exactly this server's answer.
func Compare(mode Mode, steps []Step, ours, crd []Answer) []Result {
	results := make([]Result, len(steps))
	for i, step := range steps {
		results[i] = Result{Step: step, Ours: ours[i], CRD: crd[i], Diff: cmp.Diff(crd[i], ours[i])}
		if results[i].Diff == "" {
			continue
		}
		for j, intended := range IntendedDifferences {
			if intended.Step == step.Name && slices.Contains(intended.Modes, mode) && cmp.Equal(intended.expected(crd[i]), ours[i]) {
				results[i].Intended = &IntendedDifferences[j]
			}
		}
	}
	return results
}
