package registry_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unsafe"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	serverstorage "k8s.io/apiserver/pkg/server/storage"

	"github.com/example/extension-apiserver/pkg/apis/stable"
	"github.com/example/extension-apiserver/pkg/apiserver"
	"github.com/example/extension-apiserver/pkg/registry"
)

func storageCodec(t *testing.T, mediaType string, decorate func([]runtime.Decoder) []runtime.Decoder) runtime.Codec {
	t.Helper()
	codec, _, err := serverstorage.NewStorageCodec(serverstorage.StorageCodecConfig{
		StorageMediaType:   mediaType,
		StorageSerializer:  apiserver.Codecs,
		StorageVersion:     schema.GroupVersion{Group: stable.GroupName, Version: "v1"},
		MemoryVersion:      schema.GroupVersion{Group: stable.GroupName, Version: runtime.APIVersionInternal},
		DecoderDecoratorFn: decorate,
	})
	if err != nil {
		t.Fatal(err)
	}
	return codec
}

func internTestCronTab(name, owner string) *stable.CronTab {
	at := metav1.NewTime(time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC))
	return &stable.CronTab{
		ObjectMeta: metav1.ObjectMeta{
			Name: name, Namespace: "team-a", UID: types.UID("uid-of-" + name), CreationTimestamp: at,
			Labels:      map[string]string{"app.kubernetes.io/part-of": "reports"},
			Annotations: map[string]string{"example.com/owner": owner, "example.com/payload": strings.Repeat("p", 200)},
			Finalizers:  []string{"stable.example.com/cleanup"},
			ManagedFields: []metav1.ManagedFieldsEntry{{
				Manager: "kubectl-client-side-apply", Operation: metav1.ManagedFieldsOperationUpdate, APIVersion: "stable.example.com/v1",
				Time: &at, FieldsType: "FieldsV1", FieldsV1: &metav1.FieldsV1{Raw: []byte(`{"f:spec":{"f:image":{}}}`)},
			}},
		},
		Spec: stable.CronTabSpec{CronSpec: "*/5 * * * *", Image: "reports:" + name, Replicas: 1},
	}
}

func sameString(a, b string) bool { return unsafe.StringData(a) == unsafe.StringData(b) }

func sameMap(a, b map[string]string) bool {
	return reflect.ValueOf(a).UnsafePointer() == reflect.ValueOf(b).UnsafePointer()
}

// TestInternedDecodingSharesRepeatedMetadata: objects read from storage
// share their repeated metadata (equal label and annotation maps whole),
// decode to exactly what was stored, an append to one object's shared field
// set leaves the others alone, and a deep copy owns its maps.
func TestInternedDecodingSharesRepeatedMetadata(t *testing.T) {
	for _, mediaType := range []string{runtime.ContentTypeProtobuf, runtime.ContentTypeJSON} {
		t.Run(mediaType, func(t *testing.T) {
			interned, plain := storageCodec(t, mediaType, registry.InternMetadataDecoders), storageCodec(t, mediaType, nil)
			var decoded []*stable.CronTab
			for name, owner := range map[string]string{"first": "team-a", "second": "team-a", "third": "team-b"} {
				data, err := runtime.Encode(plain, internTestCronTab(name, owner))
				if err != nil {
					t.Fatal(err)
				}
				want, err := runtime.Decode(plain, data)
				if err != nil {
					t.Fatal(err)
				}
				got, err := runtime.Decode(interned, data)
				if err != nil {
					t.Fatal(err)
				}
				if !apiequality.Semantic.DeepEqual(want, got) {
					t.Fatalf("interned decoding changed the object:\nwant %#v\ngot  %#v", want, got)
				}
				decoded = append(decoded, got.(*stable.CronTab))
			}
			slices.SortFunc(decoded, func(x, y *stable.CronTab) int { return strings.Compare(x.Name, y.Name) })
			a, b, c := decoded[0].ObjectMeta, decoded[1].ObjectMeta, decoded[2].ObjectMeta
			shared := map[string][2]string{
				"namespace":        {a.Namespace, b.Namespace},
				"label value":      {a.Labels["app.kubernetes.io/part-of"], b.Labels["app.kubernetes.io/part-of"]},
				"annotation value": {a.Annotations["example.com/owner"], b.Annotations["example.com/owner"]},
				"finalizer":        {a.Finalizers[0], b.Finalizers[0]},
				"manager":          {a.ManagedFields[0].Manager, b.ManagedFields[0].Manager},
			}
			for what, pair := range shared {
				if !sameString(pair[0], pair[1]) {
					t.Errorf("the two objects hold separate copies of the %s %q", what, pair[0])
				}
			}
			if rawA, rawB := a.ManagedFields[0].FieldsV1.Raw, b.ManagedFields[0].FieldsV1.Raw; unsafe.SliceData(rawA) != unsafe.SliceData(rawB) {
				t.Errorf("the two objects hold separate copies of the field set %s", rawA)
			}
			for k := range a.Labels {
				for k2 := range b.Labels {
					if !sameString(k, k2) {
						t.Errorf("the two objects hold separate copies of the label key %q", k)
					}
				}
			}
			if !sameMap(a.Labels, b.Labels) || !sameMap(a.Labels, c.Labels) || !sameMap(a.Annotations, b.Annotations) {
				t.Errorf("objects with equal labels and annotations hold maps of their own")
			}
			if sameMap(a.Annotations, c.Annotations) {
				t.Errorf("objects with different annotations share one map")
			}
			if long := "example.com/payload"; sameString(a.Annotations[long], c.Annotations[long]) {
				t.Errorf("a %d-byte annotation value of two different maps was interned", len(a.Annotations[long]))
			}
			copied := decoded[0].DeepCopy()
			copied.Labels["app.kubernetes.io/part-of"] = "changed"
			if b.Labels["app.kubernetes.io/part-of"] != "reports" {
				t.Errorf("writing into a deep copy's labels changed another object's")
			}
			before := string(b.ManagedFields[0].FieldsV1.Raw)
			_ = append(a.ManagedFields[0].FieldsV1.Raw, '!')
			if after := string(b.ManagedFields[0].FieldsV1.Raw); after != before {
				t.Errorf("appending to one object's field set changed another's: %q -> %q", before, after)
			}
		})
	}
}
