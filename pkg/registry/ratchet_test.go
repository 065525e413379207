package registry_test

import (
	"context"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/example/extension-apiserver/pkg/apis/stable"
	"github.com/example/extension-apiserver/pkg/apis/wardle"
	"github.com/example/extension-apiserver/pkg/apiserver"
	"github.com/example/extension-apiserver/pkg/registry"
	"github.com/example/extension-apiserver/pkg/registry/stable/crontab"
	"github.com/example/extension-apiserver/pkg/registry/wardle/fischer"
	"github.com/example/extension-apiserver/pkg/registry/wardle/flunder"
)

// storedCronTab is valid but for what the test sets: it stands for an
// object written under older, looser rules.
func storedCronTab(mutate func(*stable.CronTab)) *stable.CronTab {
	c := &stable.CronTab{
		ObjectMeta: metav1.ObjectMeta{Name: "legacy", Namespace: "default", ResourceVersion: "7", Generation: 1},
		Spec:       stable.CronTabSpec{CronSpec: "* * * * *", Image: "busybox", Replicas: 3},
	}
	mutate(c)
	return c
}

func fields(errs field.ErrorList) string {
	var names []string
	for _, e := range errs {
		names = append(names, e.Field)
	}
	return strings.Join(names, ",")
}

func TestRatchetingOfTheMainResource(t *testing.T) {
	strategy := registry.NewStrategy(apiserver.Scheme, crontab.Kind.Rules, nil)
	tooMany := func(c *stable.CronTab) { c.Spec.Replicas = 12 }
	for _, tc := range []struct {
		name       string
		old        *stable.CronTab
		update     func(*stable.CronTab)
		wantFields string // the fields refused, "" when accepted
	}{
		{"a label on an object invalid under today's rules", storedCronTab(tooMany), func(c *stable.CronTab) { c.Labels = map[string]string{"a": "b"} }, ""},
		{"a finalizer removed", storedCronTab(func(c *stable.CronTab) { tooMany(c); c.Finalizers = []string{"x/y"} }), func(c *stable.CronTab) { c.Finalizers = nil }, ""},
		{"the invalid field changed to another invalid value", storedCronTab(tooMany), func(c *stable.CronTab) { c.Spec.Replicas = 11 }, "spec.replicas"},
		{"the invalid field fixed", storedCronTab(tooMany), func(c *stable.CronTab) { c.Spec.Replicas = 10 }, ""},
		{"another field broken beside an unchanged invalid one", storedCronTab(tooMany), func(c *stable.CronTab) { c.Spec.Image = " busybox" }, "spec.image"},
		{"a valid object broken", storedCronTab(func(*stable.CronTab) {}), func(c *stable.CronTab) { c.Spec.CronSpec = "never" }, "spec.cronSpec"},
		{"metadata is never ratcheted", storedCronTab(tooMany), func(c *stable.CronTab) { c.Name = "renamed" }, "metadata.name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			updated := tc.old.DeepCopy()
			tc.update(updated)
			errs := strategy.ValidateUpdate(context.Background(), updated, tc.old)
			if got := fields(errs); got != tc.wantFields {
				t.Errorf("refused fields %q, want %q (%v)", got, tc.wantFields, errs)
			}
		})
	}
}

// A cross-field rule broken by a change elsewhere is refused even though
// the fields it names did not change: the stored object did not have the
// error.
func TestRatchetingKeepsNewCrossFieldErrors(t *testing.T) {
	strategy := registry.NewStrategy(apiserver.Scheme, flunder.Kind.Rules, nil)
	valid := &wardle.Flunder{ObjectMeta: metav1.ObjectMeta{Name: "f", Namespace: "default", ResourceVersion: "3"},
		Spec: wardle.FlunderSpec{FlunderReference: "other", ReferenceType: wardle.FlunderReferenceType}}
	updated := valid.DeepCopy()
	updated.Spec.ReferenceType = wardle.FischerReferenceType
	if errs := strategy.ValidateUpdate(context.Background(), updated, valid); len(errs) == 0 {
		t.Error("changing referenceType so that it names an unset reference was accepted")
	}

	// Both references set: invalid today. Unchanged, it is ratcheted;
	// changing one of them is refused.
	both := valid.DeepCopy()
	both.Spec.FischerReference = "a-fischer"
	labelled := both.DeepCopy()
	labelled.Labels = map[string]string{"a": "b"}
	if errs := strategy.ValidateUpdate(context.Background(), labelled, both); len(errs) != 0 {
		t.Errorf("a label on a stored invalid Flunder was refused: %v", errs)
	}
	changed := both.DeepCopy()
	changed.Spec.FischerReference = "another-fischer"
	if got := fields(strategy.ValidateUpdate(context.Background(), changed, both)); got != "spec.fischerReference" {
		t.Errorf("changing the forbidden reference: refused %q, want spec.fischerReference", got)
	}
}

func TestRatchetingOfListEntriesAndStatus(t *testing.T) {
	fischers := registry.NewStrategy(apiserver.Scheme, fischer.Kind.Rules, nil)
	old := &wardle.Fischer{ObjectMeta: metav1.ObjectMeta{Name: "f", ResourceVersion: "3"}, DisallowedFlunders: []string{"Bad_Name", "ok"}}
	appended := old.DeepCopy()
	appended.DisallowedFlunders = append(appended.DisallowedFlunders, "fine")
	if errs := fischers.ValidateUpdate(context.Background(), appended, old); len(errs) != 0 {
		t.Errorf("appending a valid name beside a stored invalid one: %v", errs)
	}
	reordered := old.DeepCopy()
	reordered.DisallowedFlunders = []string{"ok", "Bad_Name"}
	if got := fields(fischers.ValidateUpdate(context.Background(), reordered, old)); got != "disallowedFlunders[1]" {
		t.Errorf("moving the invalid name: refused %q, want disallowedFlunders[1]", got)
	}

	main := registry.NewStrategy(apiserver.Scheme, crontab.Kind.Rules, nil)
	status := registry.NewStatusStrategy(main, nil)
	stored := storedCronTab(func(c *stable.CronTab) { c.Status.LabelSelector = "a in (" })
	var obj runtime.Object = stored.DeepCopy()
	obj.(*stable.CronTab).Status.ObservedGeneration = 1
	if errs := status.ValidateUpdate(context.Background(), obj, stored); len(errs) != 0 {
		t.Errorf("a status write leaving a stored invalid selector alone: %v", errs)
	}
	obj.(*stable.CronTab).Status.LabelSelector = "b in ("
	if got := fields(status.ValidateUpdate(context.Background(), obj, stored)); got != "status.labelSelector" {
		t.Errorf("changing the invalid selector: refused %q, want status.labelSelector", got)
	}
}
