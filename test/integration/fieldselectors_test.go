package integration

import (
	"context"
	"fmt"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/utils/ptr"

	stablev1 "github.com/example/extension-apiserver/pkg/apis/stable/v1"
	wardlev1alpha1 "github.com/example/extension-apiserver/pkg/apis/wardle/v1alpha1"
	wardlev1beta1 "github.com/example/extension-apiserver/pkg/apis/wardle/v1beta1"
	"github.com/example/extension-apiserver/test/integration/framework"
)

func TestFieldSelectors(t *testing.T) {
	s := framework.StartServer(t, framework.ServerConfig{})
	cs := s.Clientset(t)
	v1 := cs.StableV1().CronTabs("default")
	ctx := context.Background()

	for i := 0; i < 20; i++ {
		ct := seedCronTab(fmt.Sprintf("ct-%02d", i))
		if i < 2 {
			ct.Spec.Image = "needle"
		}
		if i%5 == 0 {
			ct.Spec.Suspend = ptr.To(true)
			ct.Spec.CronSpec = "0 0 * * *"
		}
		created, err := v1.Create(ctx, ct, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if i == 3 {
			created.Status.Replicas = 3
			if _, err := v1.UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
				t.Fatal(err)
			}
		}
	}

	names := func(list []stablev1.CronTab) string {
		var n []string
		for _, ct := range list {
			n = append(n, ct.Name)
		}
		return strings.Join(n, ",")
	}
	for _, tc := range []struct {
		selector string
		want     string
	}{
		{"spec.image=needle", "ct-00,ct-01"},
		{"spec.image=needle,metadata.name!=ct-00", "ct-01"},
		{"spec.suspend=true", "ct-00,ct-05,ct-10,ct-15"},
		{"status.replicas=3", "ct-03"},
		{"spec.cronSpec=0 0 * * *", "ct-00,ct-05,ct-10,ct-15"},
	} {
		list, err := v1.List(ctx, metav1.ListOptions{FieldSelector: tc.selector})
		if err != nil {
			t.Fatalf("v1 list %s: %v", tc.selector, err)
		}
		if got := names(list.Items); got != tc.want {
			t.Errorf("v1 list %s = %s, want %s", tc.selector, got, tc.want)
		}
	}

	beta := cs.StableV1beta1().CronTabs("default")
	betaList, err := beta.List(ctx, metav1.ListOptions{FieldSelector: "spec.schedule=0 0 * * *,spec.image=needle"})
	if err != nil || len(betaList.Items) != 1 || betaList.Items[0].Name != "ct-00" {
		t.Errorf("v1beta1 list by spec.schedule: %v %d", err, len(betaList.Items))
	}
	for _, tc := range []struct {
		selector string
		list     func(metav1.ListOptions) error
	}{
		{"spec.bogus=1", func(o metav1.ListOptions) error { _, err := v1.List(ctx, o); return err }},
		{"spec.schedule=x", func(o metav1.ListOptions) error { _, err := v1.List(ctx, o); return err }},
		{"spec.suspend=true", func(o metav1.ListOptions) error { _, err := beta.List(ctx, o); return err }},
		{"spec.cronSpec=x", func(o metav1.ListOptions) error { _, err := beta.List(ctx, o); return err }},
	} {
		err := tc.list(metav1.ListOptions{FieldSelector: tc.selector})
		if !apierrors.IsBadRequest(err) || !strings.Contains(err.Error(), "supported:") || !strings.Contains(err.Error(), "spec.image") {
			t.Errorf("unsupported %s: %v, want 400 naming the supported fields", tc.selector, err)
		}
	}

	// Watches select too.
	w, err := v1.Watch(ctx, metav1.ListOptions{FieldSelector: "spec.image=needle", ResourceVersion: "0"})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	seen := map[string]bool{}
	for len(seen) < 2 {
		ev := framework.NextEvent(t, w)
		seen[ev.Object.(*stablev1.CronTab).Name] = true
	}
	other := seedCronTab("not-a-needle")
	if _, err := v1.Create(ctx, other, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	needle := seedCronTab("late-needle")
	needle.Spec.Image = "needle"
	if _, err := v1.Create(ctx, needle, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if ev := framework.NextEvent(t, w); ev.Type != watch.Added || ev.Object.(*stablev1.CronTab).Name != "late-needle" {
		t.Errorf("watch by spec.image: %s %s, want ADDED late-needle only", ev.Type, ev.Object.(*stablev1.CronTab).Name)
	}

	// Flunders by referenceType, in both versions.
	if _, err := cs.WardleV1beta1().Flunders("default").Create(ctx, &wardlev1beta1.Flunder{ObjectMeta: metav1.ObjectMeta{Name: "to-fischer"},
		Spec: wardlev1beta1.FlunderSpec{FischerReference: "f"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.WardleV1alpha1().Flunders("default").Create(ctx, &wardlev1alpha1.Flunder{ObjectMeta: metav1.ObjectMeta{Name: "to-flunder"},
		Spec: wardlev1alpha1.FlunderSpec{Reference: "g"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	alpha, err := cs.WardleV1alpha1().Flunders("default").List(ctx, metav1.ListOptions{FieldSelector: "spec.referenceType=Fischer"})
	if err != nil || len(alpha.Items) != 1 || alpha.Items[0].Name != "to-fischer" {
		t.Errorf("v1alpha1 flunders by referenceType: %v %+v", err, alpha)
	}
	betaFlunders, err := cs.WardleV1beta1().Flunders("default").List(ctx, metav1.ListOptions{FieldSelector: "spec.referenceType=Flunder"})
	if err != nil || len(betaFlunders.Items) != 1 || betaFlunders.Items[0].Name != "to-flunder" {
		t.Errorf("v1beta1 flunders by referenceType: %v %+v", err, betaFlunders)
	}
}

// TestIndexedFieldSelectorsAvoidScans reads the watch cache metrics: a list
// by an indexed field fetches only the matching objects from the cache.
func TestIndexedFieldSelectorsAvoidScans(t *testing.T) {
	s := framework.StartServer(t, framework.ServerConfig{})
	v1 := s.Clientset(t).StableV1().CronTabs("default")
	ctx := context.Background()
	for i := 0; i < 30; i++ {
		ct := seedCronTab(fmt.Sprintf("ct-%02d", i))
		if i%10 == 0 {
			ct.Spec.Image = "indexed"
		}
		if _, err := v1.Create(ctx, ct, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	labels := map[string]string{"group": "stable.example.com", "index": "f:spec.image", "resource": "crontabs"}
	listsBefore := s.Metric(t, "apiserver_cache_list_total", labels)
	fetchedBefore := s.Metric(t, "apiserver_cache_list_fetched_objects_total", labels)

	for _, rv := range []string{"", "0"} {
		list, err := v1.List(ctx, metav1.ListOptions{FieldSelector: "spec.image=indexed", ResourceVersion: rv})
		if err != nil || len(list.Items) != 3 {
			t.Fatalf("list (resourceVersion %q): %v, %d items", rv, err, len(list.Items))
		}
	}
	lists := s.Metric(t, "apiserver_cache_list_total", labels) - listsBefore
	fetched := s.Metric(t, "apiserver_cache_list_fetched_objects_total", labels) - fetchedBefore
	t.Logf("indexed lists served from the watch cache: %v, objects fetched: %v (of 30 stored)", lists, fetched)
	if lists != 2 || fetched != 6 {
		t.Errorf("indexed lists: %v from the cache index fetching %v objects; want 2 lists fetching 6 (3 each), not a scan of 30", lists, fetched)
	}
}
