package storagemigration

import (
	"context"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/protobuf"
	"k8s.io/apiserver/pkg/storage/value"
	"k8s.io/apiserver/pkg/storage/value/encrypt/identity"

	wardlev1alpha1 "github.com/example/extension-apiserver/pkg/apis/wardle/v1alpha1"
	wardlev1beta1 "github.com/example/extension-apiserver/pkg/apis/wardle/v1beta1"
)

// staleTransformer reads values as they are but reports them stale, as an
// encryption transformer does for a value under a key no longer first.
type staleTransformer struct{ value.Transformer }

func (staleTransformer) TransformFromStorage(_ context.Context, data []byte, _ value.Context) ([]byte, bool, error) {
	return data, true, nil
}

func TestClassify(t *testing.T) {
	scheme := runtime.NewScheme()
	if err := wardlev1beta1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	flunder := &wardlev1beta1.Flunder{TypeMeta: metav1.TypeMeta{APIVersion: "wardle.example.com/v1beta1", Kind: "Flunder"},
		ObjectMeta: metav1.ObjectMeta{Name: "f"}}
	protobufValue, err := runtime.Encode(protobuf.NewSerializer(scheme, scheme), flunder)
	if err != nil {
		t.Fatal(err)
	}
	target := Encoding{Version: "wardle.example.com/v1beta1", MediaType: runtime.ContentTypeProtobuf}
	plain := Resource{Transformer: identity.NewEncryptCheckTransformer(), Target: target}
	for _, tc := range []struct {
		name    string
		r       Resource
		value   []byte
		want    Encoding
		stale   bool
		current bool
	}{
		{"protobuf in the target version", plain, protobufValue, target, false, true},
		{"JSON in an old version", plain, []byte(`{"apiVersion":"` + wardlev1alpha1.SchemeGroupVersion.String() + `","kind":"Flunder"}`),
			Encoding{Version: "wardle.example.com/v1alpha1", MediaType: runtime.ContentTypeJSON}, false, false},
		{"encrypted without a key to read it", plain, []byte("k8s:enc:aescbc:v1:key1:xxxx"), Encoding{Version: "unknown", MediaType: "unreadable"}, false, false},
		{"neither JSON nor protobuf", plain, []byte("\xd9\xd9\xf7cbor"), Encoding{Version: "unknown", MediaType: "unknown"}, false, false},
		{"current but under a stale encryption key", Resource{Transformer: staleTransformer{}, Target: target}, protobufValue, target, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := classify(context.Background(), tc.r, keyValue{key: "/prefix/wardle.example.com/flunders/default/f", value: tc.value})
			if o.encoding != tc.want || o.staleEncryption != tc.stale || o.current(target) != tc.current {
				t.Errorf("classified as %v (stale %v, current %v), want %v (stale %v, current %v)",
					o.encoding, o.staleEncryption, o.current(target), tc.want, tc.stale, tc.current)
			}
		})
	}
}

func TestDisagreeing(t *testing.T) {
	target := Encoding{Version: "wardle.example.com/v1beta1", MediaType: runtime.ContentTypeProtobuf}
	r := Resource{Target: target}
	r.GroupResource.Group, r.GroupResource.Resource = "wardle.example.com", "flunders"
	records := []ReplicaRecord{
		{Identity: "same", Writes: map[string]Encoding{"flunders.wardle.example.com": target}},
		{Identity: "older", Writes: map[string]Encoding{"flunders.wardle.example.com": {Version: "wardle.example.com/v1alpha1", MediaType: runtime.ContentTypeJSON}}},
		{Identity: "does-not-serve-it", Writes: map[string]Encoding{}},
	}
	got := disagreeing(records, r)
	if len(got) != 1 || got[0] != "older (writes wardle.example.com/v1alpha1 application/json)" {
		t.Errorf("disagreeing = %q, want only the replica writing v1alpha1 JSON", got)
	}
}
