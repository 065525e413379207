package framework

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/util/retry"
)

// kindVersion is one kind in one served version, with a valid object and a
// string field that updates and patches change.
type kindVersion struct {
	gvr        schema.GroupVersionResource
	kind       string
	namespaced bool
	object     string   // JSON without apiVersion, kind and metadata
	field      []string // path of a string field to change
	// patches return a merge, JSON and strategic merge patch setting field to v.
	mergePatch, jsonPatch func(v string) string
	// defaulted is a field path and the value defaulting gives it.
	defaultedPath  []string
	defaultedValue any
}

func specField(name string) (path []string, merge, jsonPatch func(string) string) {
	return []string{"spec", name},
		func(v string) string { return fmt.Sprintf(`{"spec":{%q:%q}}`, name, v) },
		func(v string) string { return fmt.Sprintf(`[{"op":"replace","path":"/spec/%s","value":%q}]`, name, v) }
}

func allKindVersions() []kindVersion {
	var kvs []kindVersion
	add := func(group, version, resource, kind string, namespaced bool, object, field string, defaultedPath []string, defaultedValue any) {
		kv := kindVersion{gvr: schema.GroupVersionResource{Group: group, Version: version, Resource: resource}, kind: kind,
			namespaced: namespaced, object: object, defaultedPath: defaultedPath, defaultedValue: defaultedValue}
		if field == "disallowedFlunders" {
			kv.field = []string{"disallowedFlunders"}
			kv.mergePatch = func(v string) string { return fmt.Sprintf(`{"disallowedFlunders":[%q]}`, v) }
			kv.jsonPatch = func(v string) string {
				return fmt.Sprintf(`[{"op":"replace","path":"/disallowedFlunders/0","value":%q}]`, v)
			}
		} else {
			kv.field, kv.mergePatch, kv.jsonPatch = specField(field)
		}
		kvs = append(kvs, kv)
	}
	add("stable.example.com", "v1", "crontabs", "CronTab", true,
		`"spec":{"cronSpec":"* * * * */5","image":"image-a"}`, "image", []string{"spec", "replicas"}, int64(1))
	add("stable.example.com", "v1beta1", "crontabs", "CronTab", true,
		`"spec":{"schedule":"0 * * * *","image":"image-a"}`, "image", []string{"spec", "replicas"}, int64(1))
	add("wardle.example.com", "v1beta1", "flunders", "Flunder", true,
		`"spec":{"flunderReference":"other-a"}`, "flunderReference", []string{"spec", "referenceType"}, "Flunder")
	add("wardle.example.com", "v1alpha1", "flunders", "Flunder", true,
		`"spec":{"reference":"other-a"}`, "reference", []string{"spec", "referenceType"}, "Flunder")
	add("wardle.example.com", "v1beta1", "fischers", "Fischer", false,
		`"disallowedFlunders":["banned-a"]`, "disallowedFlunders", nil, nil)
	add("wardle.example.com", "v1alpha1", "fischers", "Fischer", false,
		`"disallowedFlunders":["banned-a"]`, "disallowedFlunders", nil, nil)
	return kvs
}

// CRUDCoverage returns the resources, in each version, RunCRUD exercises.
func CRUDCoverage() []schema.GroupVersionResource {
	var covered []schema.GroupVersionResource
	for _, kv := range allKindVersions() {
		covered = append(covered, kv.gvr)
	}
	return covered
}

func (kv kindVersion) client(dc dynamic.Interface) dynamic.ResourceInterface {
	if kv.namespaced {
		return dc.Resource(kv.gvr).Namespace("default")
	}
	return dc.Resource(kv.gvr)
}

func (kv kindVersion) newObject(t *testing.T, name string) *unstructured.Unstructured {
	t.Helper()
	// CronTabs opt out of the CronTabCleanup finalizer, which a controller
	// would have to remove before a delete completes.
	body := fmt.Sprintf(`{"apiVersion":%q,"kind":%q,"metadata":{"name":%q,"annotations":{"stable.example.com/skip-cleanup":"true"}},%s}`,
		kv.gvr.GroupVersion().String(), kv.kind, name, kv.object)
	u := &unstructured.Unstructured{}
	if err := json.Unmarshal([]byte(body), &u.Object); err != nil {
		t.Fatal(err)
	}
	return u
}

func (kv kindVersion) fieldValue(t *testing.T, u *unstructured.Unstructured) string {
	t.Helper()
	if kv.field[0] == "disallowedFlunders" {
		list, _, _ := unstructured.NestedStringSlice(u.Object, kv.field...)
		if len(list) != 1 {
			t.Fatalf("disallowedFlunders = %v, want one entry", list)
		}
		return list[0]
	}
	v, _, _ := unstructured.NestedString(u.Object, kv.field...)
	return v
}

func (kv kindVersion) setField(t *testing.T, u *unstructured.Unstructured, v string) {
	t.Helper()
	var err error
	if kv.field[0] == "disallowedFlunders" {
		err = unstructured.SetNestedStringSlice(u.Object, []string{v}, kv.field...)
	} else {
		err = unstructured.SetNestedField(u.Object, v, kv.field...)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// RunCRUD runs create, get, list, watch, update, the three patch types and
// delete for every kind in every served version, as the client of config,
// in namespace "default".
func RunCRUD(t *testing.T, config *rest.Config) {
	dc := dynamic.NewForConfigOrDie(config)
	ctx := context.Background()

	for _, kv := range allKindVersions() {
		t.Run(kv.gvr.Resource+"."+kv.gvr.Version, func(t *testing.T) {
			client := kv.client(dc)
			name := "crud-" + kv.gvr.Version

			created, err := client.Create(ctx, kv.newObject(t, name), metav1.CreateOptions{})
			if err != nil {
				t.Fatalf("create: %v", err)
			}
			if created.GetAPIVersion() != kv.gvr.GroupVersion().String() || created.GetGeneration() != 1 || created.GetUID() == "" {
				t.Errorf("created: apiVersion %s, generation %d, uid %q", created.GetAPIVersion(), created.GetGeneration(), created.GetUID())
			}
			if kv.defaultedPath != nil {
				if got, _, _ := unstructured.NestedFieldNoCopy(created.Object, kv.defaultedPath...); got != kv.defaultedValue {
					t.Errorf("%v = %v (%T), want the default %v", kv.defaultedPath, got, got, kv.defaultedValue)
				}
			}

			got, err := client.Get(ctx, name, metav1.GetOptions{})
			if err != nil || got.GetUID() != created.GetUID() {
				t.Fatalf("get: %v (uid %s, want %s)", err, got.GetUID(), created.GetUID())
			}

			list, err := client.List(ctx, metav1.ListOptions{})
			if err != nil {
				t.Fatalf("list: %v", err)
			}
			if len(list.Items) != 1 || list.Items[0].GetName() != name {
				t.Fatalf("list: %d items, want only %s", len(list.Items), name)
			}

			w, err := client.Watch(ctx, metav1.ListOptions{ResourceVersion: list.GetResourceVersion()})
			if err != nil {
				t.Fatalf("watch: %v", err)
			}
			defer w.Stop()

			// A controller may write status between our read and write;
			// retrying on conflict is what every client does.
			var updated *unstructured.Unstructured
			err = retry.RetryOnConflict(retry.DefaultRetry, func() error {
				latest, err := client.Get(ctx, name, metav1.GetOptions{})
				if err != nil {
					return err
				}
				kv.setField(t, latest, "by-update")
				updated, err = client.Update(ctx, latest, metav1.UpdateOptions{})
				return err
			})
			if err != nil {
				t.Fatalf("update: %v", err)
			}
			if kv.fieldValue(t, updated) != "by-update" || updated.GetGeneration() != 2 {
				t.Errorf("update: field %q, generation %d", kv.fieldValue(t, updated), updated.GetGeneration())
			}
			expectEvent(t, w, watch.Modified, name, "by-update", kv)

			for _, p := range []struct {
				patchType types.PatchType
				body      string
				value     string
			}{
				{types.MergePatchType, kv.mergePatch("by-merge-patch"), "by-merge-patch"},
				{types.JSONPatchType, kv.jsonPatch("by-json-patch"), "by-json-patch"},
				{types.StrategicMergePatchType, kv.mergePatch("by-strategic-patch"), "by-strategic-patch"},
			} {
				patched, err := client.Patch(ctx, name, p.patchType, []byte(p.body), metav1.PatchOptions{})
				if err != nil {
					t.Fatalf("%s: %v", p.patchType, err)
				}
				if got := kv.fieldValue(t, patched); got != p.value {
					t.Errorf("%s: field = %q, want %q", p.patchType, got, p.value)
				}
				expectEvent(t, w, watch.Modified, name, p.value, kv)
			}

			if err := client.Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
				t.Fatalf("delete: %v", err)
			}
			expectEvent(t, w, watch.Deleted, name, "", kv)
			if _, err := client.Get(ctx, name, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
				t.Errorf("get after delete: %v, want NotFound", err)
			}
		})
	}
}

// expectEvent waits for the event of the write just made. Other writers
// (the CronTab controller writing status) may slip MODIFIED events in
// between; those are skipped.
func expectEvent(t *testing.T, w watch.Interface, eventType watch.EventType, name, value string, kv kindVersion) {
	t.Helper()
	for {
		ev := NextEvent(t, w)
		u, isUnstructured := ev.Object.(*unstructured.Unstructured)
		if !isUnstructured || u.GetName() != name {
			t.Fatalf("watch event %s %v, want %s of %s", ev.Type, ev.Object, eventType, name)
		}
		if u.GetAPIVersion() != kv.gvr.GroupVersion().String() {
			t.Errorf("watch event in %s, want %s", u.GetAPIVersion(), kv.gvr.GroupVersion())
		}
		matches := ev.Type == eventType && (value == "" || kv.fieldValue(t, u) == value)
		if matches {
			return
		}
		if ev.Type != watch.Modified {
			t.Fatalf("watch event %s carrying %q, want %s carrying %q", ev.Type, kv.fieldValue(t, u), eventType, value)
		}
	}
}
