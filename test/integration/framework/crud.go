package framework

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
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

	"github.com/example/extension-apiserver/pkg/apis/apitesting"
)

// kindVersion is one kind in one served version (apitesting.Kinds).
type kindVersion struct {
	apitesting.VersionCase
	gvr        schema.GroupVersionResource
	kind       string
	namespaced bool
}

func allKindVersions() []kindVersion {
	var kvs []kindVersion
	for _, k := range apitesting.Kinds {
		for _, v := range k.Versions {
			kvs = append(kvs, kindVersion{VersionCase: v, gvr: k.GroupVersionResource(v.Version), kind: k.Kind, namespaced: k.Namespaced})
		}
	}
	return kvs
}

// mergePatch and jsonPatch set the kind's field to v.
func (kv kindVersion) mergePatch(v string) string {
	value, _ := json.Marshal(v)
	if kv.FieldIsList() {
		value = []byte("[" + string(value) + "]")
	}
	for i := len(kv.Field) - 1; i >= 0; i-- {
		value = []byte(fmt.Sprintf(`{%q:%s}`, kv.Field[i], value))
	}
	return string(value)
}

func (kv kindVersion) jsonPatch(v string) string {
	path := "/" + strings.Join(kv.Field, "/")
	if kv.FieldIsList() {
		path += "/0"
	}
	return fmt.Sprintf(`[{"op":"replace","path":%q,"value":%q}]`, path, v)
}

// ResourceClient is dc's client of gvr, in namespace when it is namespaced.
func ResourceClient(dc dynamic.Interface, gvr schema.GroupVersionResource, namespaced bool, namespace string) dynamic.ResourceInterface {
	if namespaced {
		return dc.Resource(gvr).Namespace(namespace)
	}
	return dc.Resource(gvr)
}

func (kv kindVersion) newObject(t *testing.T, name string) *unstructured.Unstructured {
	t.Helper()
	return NewObject(t, kv.gvr.GroupVersion(), kv.kind, name, kv.Content)
}

// NewObject returns an object of kind in gv named name, with content (JSON
// members after metadata, as in apitesting.Kinds). CronTabs opt out of the
// CronTabCleanup finalizer, which a controller would have to remove before a
// delete completes.
func NewObject(t testing.TB, gv schema.GroupVersion, kind, name, content string) *unstructured.Unstructured {
	t.Helper()
	body := fmt.Sprintf(`{"apiVersion":%q,"kind":%q,"metadata":{"name":%q,"annotations":{"stable.example.com/skip-cleanup":"true"}},%s}`,
		gv, kind, name, content)
	u := &unstructured.Unstructured{}
	if err := json.Unmarshal([]byte(body), &u.Object); err != nil {
		t.Fatal(err)
	}
	return u
}

func (kv kindVersion) fieldValue(t *testing.T, u *unstructured.Unstructured) string {
	t.Helper()
	if kv.FieldIsList() {
		list, _, _ := unstructured.NestedStringSlice(u.Object, kv.Field...)
		if len(list) != 1 {
			t.Fatalf("%v = %v, want one entry", kv.Field, list)
		}
		return list[0]
	}
	v, _, _ := unstructured.NestedString(u.Object, kv.Field...)
	return v
}

func (kv kindVersion) setField(t *testing.T, u *unstructured.Unstructured, v string) {
	t.Helper()
	var err error
	if kv.FieldIsList() {
		err = unstructured.SetNestedStringSlice(u.Object, []string{v}, kv.Field...)
	} else {
		err = unstructured.SetNestedField(u.Object, v, kv.Field...)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// RunCRUD runs create, get, list, watch, update, the three patch types and
// delete for every kind in every served version, as the client of config,
// in namespace. Cluster-scoped objects carry the namespace's name, so that
// runs in different namespaces of one cluster never meet.
func RunCRUD(t *testing.T, config *rest.Config, namespace string) {
	dc := dynamic.NewForConfigOrDie(config)
	ctx := context.Background()

	for _, kv := range allKindVersions() {
		t.Run(kv.gvr.Resource+"."+kv.gvr.Version, func(t *testing.T) {
			client := ResourceClient(dc, kv.gvr, kv.namespaced, namespace)
			name := "crud-" + kv.gvr.Version
			if !kv.namespaced {
				name = namespace + "-" + name
			}

			created, err := client.Create(ctx, kv.newObject(t, name), metav1.CreateOptions{})
			if err != nil {
				t.Fatalf("create: %v", err)
			}
			if created.GetAPIVersion() != kv.gvr.GroupVersion().String() || created.GetGeneration() != 1 || created.GetUID() == "" {
				t.Errorf("created: apiVersion %s, generation %d, uid %q", created.GetAPIVersion(), created.GetGeneration(), created.GetUID())
			}
			if kv.Defaulted != nil {
				if got, _, _ := unstructured.NestedFieldNoCopy(created.Object, kv.Defaulted...); got != kv.DefaultedValue {
					t.Errorf("%v = %v (%T), want the default %v", kv.Defaulted, got, got, kv.DefaultedValue)
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
			// Other tests of a shared cluster may hold objects of a
			// cluster-scoped kind: the list must hold this one, once.
			listed := 0
			for _, item := range list.Items {
				if item.GetName() == name && item.GetUID() == created.GetUID() {
					listed++
				}
			}
			if listed != 1 {
				t.Fatalf("list: %s %d times in %d items, want once", name, listed, len(list.Items))
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
