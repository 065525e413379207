package registry_test

import (
	"context"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/registry/rest"

	"github.com/example/extension-apiserver/pkg/apis/stable"
	"github.com/example/extension-apiserver/pkg/apiserver"
	"github.com/example/extension-apiserver/pkg/registry"
	"github.com/example/extension-apiserver/pkg/registry/stable/crontab"
)

func TestServedKindsAreComplete(t *testing.T) {
	for _, g := range apiserver.Groups {
		for _, kind := range g.Kinds {
			if checker, ok := kind.(interface{ Check() error }); !ok {
				t.Errorf("%s cannot be checked", kind.GroupResource())
			} else if err := checker.Check(); err != nil {
				t.Error(err)
			}
		}
	}
}

// TestCheckNamesWhatIsMissing: a declaration with gaps fails at start-up,
// naming each gap, instead of on the first request that needs it.
func TestCheckNamesWhatIsMissing(t *testing.T) {
	broken := crontab.Kind
	broken.NewList = nil
	broken.Rules.ValidateStatusUpdate = nil
	broken.Rules.IndexedFields = []string{"spec.image", "spec.nothing"}
	broken.Columns = append(broken.Columns, registry.Column[*stable.CronTab]{Definition: metav1.TableColumnDefinition{Name: "Empty"}})
	broken.Subresources = func(*registry.REST) map[string]rest.Storage { return map[string]rest.Storage{"status": nil} }
	err := broken.Check()
	if err == nil {
		t.Fatal("an incomplete declaration passed its check")
	}
	for _, gap := range []string{"crontabs.stable.example.com", "NewList is missing", "Rules.ValidateStatusUpdate", `"spec.nothing"`, "column Empty", `"status"`} {
		if !strings.Contains(err.Error(), gap) {
			t.Errorf("the check does not name %s: %v", gap, err)
		}
	}
	if strings.Contains(err.Error(), `"spec.image"`) {
		t.Errorf("the check refused an indexed field that is selectable: %v", err)
	}
	if _, err := registry.NewStorage(apiserver.Scheme, nil, broken); err == nil {
		t.Error("storage was built from an incomplete declaration")
	}
}

func TestPartOfCopiesComparesAndClearsItsPart(t *testing.T) {
	status := registry.PartOf(func(c *stable.CronTab) *stable.CronTabStatus { return &c.Status })
	rules := registry.Rules[*stable.CronTab]{
		Namespaced: true, Status: status, Spec: registry.PartOf(func(c *stable.CronTab) *stable.CronTabSpec { return &c.Spec }),
	}
	strategy := registry.NewStrategy(apiserver.Scheme, rules, nil)
	stored := &stable.CronTab{ObjectMeta: metav1.ObjectMeta{Generation: 4}, Spec: stable.CronTabSpec{Image: "a"}, Status: stable.CronTabStatus{Replicas: 2}}
	update := &stable.CronTab{Spec: stable.CronTabSpec{Image: "a"}, Status: stable.CronTabStatus{Replicas: 9}}
	strategy.PrepareForUpdate(context.Background(), update, stored)
	if update.Status.Replicas != 2 || update.Generation != 4 {
		t.Errorf("an update of status only: status %+v, generation %d; want the stored status and generation 4", update.Status, update.Generation)
	}
	update.Spec.Image = "b"
	strategy.PrepareForUpdate(context.Background(), update, stored)
	if update.Generation != 5 {
		t.Errorf("a spec change: generation %d, want 5", update.Generation)
	}
	created := &stable.CronTab{Status: stable.CronTabStatus{Replicas: 3, Conditions: []metav1.Condition{{Type: "Ready"}}}}
	strategy.PrepareForCreate(context.Background(), created)
	if created.Status.Replicas != 0 || created.Status.Conditions != nil {
		t.Errorf("a create kept status %+v", created.Status)
	}
}
