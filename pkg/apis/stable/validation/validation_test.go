package validation

import (
	"sort"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/example/extension-apiserver/pkg/apis/stable"
)

func validCronTab() *stable.CronTab {
	return &stable.CronTab{
		ObjectMeta: metav1.ObjectMeta{Name: "my-new-cron-object", Namespace: "default", ResourceVersion: "1"},
		Spec:       stable.CronTabSpec{CronSpec: "* * * * */5", Image: "my-awesome-cron-image", Replicas: 3},
	}
}

// fieldErrors renders errors as sorted "type field" strings for comparison.
func fieldErrors(errs field.ErrorList) []string {
	var out []string
	for _, e := range errs {
		out = append(out, string(e.Type)+" "+e.Field)
	}
	sort.Strings(out)
	return out
}

func expectErrors(t *testing.T, errs field.ErrorList, want ...string) {
	t.Helper()
	sort.Strings(want)
	got := fieldErrors(errs)
	if len(got) != len(want) {
		t.Fatalf("errors = %v, want %v", errs, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("errors = %v, want %v", errs, want)
		}
	}
}

func TestValidateCronTab(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*stable.CronTab)
		want   []string
	}{
		{name: "seed object", mutate: func(*stable.CronTab) {}},
		{name: "steps and numbers", mutate: func(c *stable.CronTab) { c.Spec.CronSpec = "0 */2 1 1/3 5" }},
		{name: "tabs between fields", mutate: func(c *stable.CronTab) { c.Spec.CronSpec = "0\t0  *\t* *" }},
		{name: "replicas at bounds", mutate: func(c *stable.CronTab) { c.Spec.Replicas = 10 }},
		{name: "cronSpec missing", mutate: func(c *stable.CronTab) { c.Spec.CronSpec = "" }, want: []string{"FieldValueRequired spec.cronSpec"}},
		{name: "cronSpec four fields", mutate: func(c *stable.CronTab) { c.Spec.CronSpec = "* * * *" }, want: []string{"FieldValueInvalid spec.cronSpec"}},
		{name: "cronSpec six fields", mutate: func(c *stable.CronTab) { c.Spec.CronSpec = "* * * * * *" }, want: []string{"FieldValueInvalid spec.cronSpec"}},
		{name: "cronSpec names", mutate: func(c *stable.CronTab) { c.Spec.CronSpec = "* * * * MON" }, want: []string{"FieldValueInvalid spec.cronSpec"}},
		{name: "cronSpec trailing space", mutate: func(c *stable.CronTab) { c.Spec.CronSpec = "* * * * * " }, want: []string{"FieldValueInvalid spec.cronSpec"}},
		{name: "image missing", mutate: func(c *stable.CronTab) { c.Spec.Image = "" }, want: []string{"FieldValueRequired spec.image"}},
		{name: "image with spaces", mutate: func(c *stable.CronTab) { c.Spec.Image = " busybox" }, want: []string{"FieldValueInvalid spec.image"}},
		{name: "replicas zero", mutate: func(c *stable.CronTab) { c.Spec.Replicas = 0 }, want: []string{"FieldValueInvalid spec.replicas"}},
		{name: "replicas eleven", mutate: func(c *stable.CronTab) { c.Spec.Replicas = 11 }, want: []string{"FieldValueInvalid spec.replicas"}},
		{
			name:   "the invalid example names both fields",
			mutate: func(c *stable.CronTab) { c.Spec.CronSpec = "* * * *"; c.Spec.Replicas = 15 },
			want:   []string{"FieldValueInvalid spec.cronSpec", "FieldValueInvalid spec.replicas"},
		},
		{name: "bad name", mutate: func(c *stable.CronTab) { c.Name = "My_Cron" }, want: []string{"FieldValueInvalid metadata.name"}},
		{name: "no namespace", mutate: func(c *stable.CronTab) { c.Namespace = "" }, want: []string{"FieldValueRequired metadata.namespace"}},
		{
			name:   "suspend annotation is reserved",
			mutate: func(c *stable.CronTab) { c.Annotations = map[string]string{stable.SuspendAnnotation: "true"} },
			want:   []string{"FieldValueInvalid metadata.annotations[stable.example.com/suspend]"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			crontab := validCronTab()
			tc.mutate(crontab)
			expectErrors(t, ValidateCronTab(crontab), tc.want...)
		})
	}
}

func TestValidateCronTabUpdate(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*stable.CronTab)
		want   []string
	}{
		{name: "spec change", mutate: func(c *stable.CronTab) { c.Spec.Replicas = 5; c.Spec.Suspend = true }},
		{name: "labels change", mutate: func(c *stable.CronTab) { c.Labels = map[string]string{"a": "b"} }},
		{name: "invalid spec refused on update", mutate: func(c *stable.CronTab) { c.Spec.CronSpec = "* * * *"; c.Spec.Replicas = 15 },
			want: []string{"FieldValueInvalid spec.cronSpec", "FieldValueInvalid spec.replicas"}},
		{name: "name is immutable", mutate: func(c *stable.CronTab) { c.Name = "other" }, want: []string{"FieldValueInvalid metadata.name"}},
		{name: "namespace is immutable", mutate: func(c *stable.CronTab) { c.Namespace = "other" }, want: []string{"FieldValueInvalid metadata.namespace"}},
		{name: "uid is immutable", mutate: func(c *stable.CronTab) { c.UID = "1234" }, want: []string{"FieldValueInvalid metadata.uid"}},
		{name: "bad label", mutate: func(c *stable.CronTab) { c.Labels = map[string]string{"a": "-"} }, want: []string{"FieldValueInvalid metadata.labels"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			oldCronTab := validCronTab()
			newCronTab := validCronTab()
			tc.mutate(newCronTab)
			expectErrors(t, ValidateCronTabUpdate(newCronTab, oldCronTab), tc.want...)
		})
	}
}

func TestValidateCronTabStatusUpdate(t *testing.T) {
	now := metav1.Now()
	for _, tc := range []struct {
		name   string
		status stable.CronTabStatus
		want   []string
	}{
		{name: "controller status", status: stable.CronTabStatus{Replicas: 3, LabelSelector: "app=cron", ObservedGeneration: 2,
			Conditions: []metav1.Condition{{Type: "Ready", Status: metav1.ConditionTrue, Reason: "Ready", LastTransitionTime: now}}}},
		{name: "negative replicas", status: stable.CronTabStatus{Replicas: -1}, want: []string{"FieldValueInvalid status.replicas"}},
		{name: "negative observedGeneration", status: stable.CronTabStatus{ObservedGeneration: -1}, want: []string{"FieldValueInvalid status.observedGeneration"}},
		{name: "bad selector", status: stable.CronTabStatus{LabelSelector: "app in ("}, want: []string{"FieldValueInvalid status.labelSelector"}},
		{name: "condition without reason and status", status: stable.CronTabStatus{Conditions: []metav1.Condition{{Type: "Ready", LastTransitionTime: now}}},
			want: []string{"FieldValueRequired status.conditions[0].status", "FieldValueRequired status.conditions[0].reason"}},
		{name: "duplicate condition", status: stable.CronTabStatus{Conditions: []metav1.Condition{
			{Type: "Ready", Status: metav1.ConditionTrue, Reason: "R", LastTransitionTime: now},
			{Type: "Ready", Status: metav1.ConditionTrue, Reason: "R", LastTransitionTime: now}}},
			want: []string{"FieldValueDuplicate status.conditions[1]"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			oldCronTab := validCronTab()
			newCronTab := validCronTab()
			newCronTab.Status = tc.status
			expectErrors(t, ValidateCronTabStatusUpdate(newCronTab, oldCronTab), tc.want...)
		})
	}
}
