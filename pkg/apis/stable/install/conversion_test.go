package install

import (
	"time"

	"testing"

	"github.com/google/go-cmp/cmp"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/utils/ptr"

	"github.com/example/extension-apiserver/pkg/apis/stable"
	v1 "github.com/example/extension-apiserver/pkg/apis/stable/v1"
	"github.com/example/extension-apiserver/pkg/apis/stable/v1beta1"
	"github.com/example/extension-apiserver/pkg/apis/stable/validation"
)

func newCodecs(t *testing.T) (*runtime.Scheme, serializer.CodecFactory) {
	t.Helper()
	scheme := runtime.NewScheme()
	Install(scheme)
	return scheme, serializer.NewCodecFactory(scheme)
}

// fullV1CronTab sets every field v1 has, including the ones v1beta1 lacks.
func fullV1CronTab() *v1.CronTab {
	return &v1.CronTab{
		TypeMeta: metav1.TypeMeta{APIVersion: "stable.example.com/v1", Kind: "CronTab"},
		ObjectMeta: metav1.ObjectMeta{
			Name: "my-new-cron-object", Namespace: "default",
			Labels:      map[string]string{"app": "cron"},
			Annotations: map[string]string{"owner": "team-a"},
			Generation:  3,
		},
		Spec: v1.CronTabSpec{CronSpec: "* * * * */5", Image: "my-awesome-cron-image", Replicas: ptr.To[int32](3), Suspend: ptr.To(true)},
		Status: v1.CronTabStatus{
			Replicas: 3, LabelSelector: "app=cron", ObservedGeneration: 3,
			Conditions: []metav1.Condition{{Type: "Ready", Status: metav1.ConditionTrue, Reason: "AllReplicasReady", Message: "3/3",
				LastTransitionTime: metav1.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), ObservedGeneration: 3}},
		},
	}
}

// encodeAs encodes obj as JSON in version gv, the way the server answers a read.
func encodeAs(t *testing.T, codecs serializer.CodecFactory, obj runtime.Object, gv schema.GroupVersion) []byte {
	t.Helper()
	data, err := runtime.Encode(codecs.LegacyCodec(gv), obj)
	if err != nil {
		t.Fatalf("encode: %v", err)
	}
	return data
}

// TestV1ThroughV1beta1IsLossless reads a full v1 object as v1beta1, writes
// that v1beta1 JSON back unchanged, and reads it as v1 again.
func TestV1ThroughV1beta1IsLossless(t *testing.T) {
	scheme, codecs := newCodecs(t)
	original := fullV1CronTab()

	var hub stable.CronTab
	if err := scheme.Convert(original, &hub, nil); err != nil {
		t.Fatalf("v1 -> hub: %v", err)
	}
	// Read through v1beta1: the hub encoded as v1beta1 JSON.
	beta1JSON := encodeAs(t, codecs, &hub, v1beta1.SchemeGroupVersion)
	var beta1 v1beta1.CronTab
	if _, _, err := codecs.UniversalDeserializer().Decode(beta1JSON, nil, &beta1); err != nil {
		t.Fatalf("decode v1beta1: %v", err)
	}
	if beta1.Spec.Schedule != "* * * * */5" {
		t.Errorf("v1beta1 spec.schedule = %q, want the v1 cronSpec", beta1.Spec.Schedule)
	}
	if beta1.Annotations[stable.SuspendAnnotation] != "true" {
		t.Errorf("v1beta1 annotations = %v, want %s=true", beta1.Annotations, stable.SuspendAnnotation)
	}

	// Write back unchanged through v1beta1: decode the same bytes into the hub.
	written, _, err := codecs.UniversalDecoder(stable.SchemeGroupVersion).Decode(beta1JSON, nil, nil)
	if err != nil {
		t.Fatalf("decode v1beta1 into hub: %v", err)
	}
	if errs := validation.ValidateCronTab(written.(*stable.CronTab)); len(errs) != 0 {
		t.Fatalf("the object written back through v1beta1 is invalid: %v", errs)
	}
	var roundTripped v1.CronTab
	if err := scheme.Convert(written, &roundTripped, nil); err != nil {
		t.Fatalf("hub -> v1: %v", err)
	}
	roundTripped.TypeMeta = original.TypeMeta
	if !apiequality.Semantic.DeepEqual(original, &roundTripped) {
		t.Errorf("v1 -> v1beta1 -> v1 changed the object:\n%s", cmp.Diff(original, &roundTripped))
	}
}

// TestConversionDoesNotMutateSource guards against writing the suspend
// annotation into the map shared with the source object.
func TestConversionDoesNotMutateSource(t *testing.T) {
	scheme, _ := newCodecs(t)
	hub := &stable.CronTab{
		ObjectMeta: metav1.ObjectMeta{Name: "a", Annotations: map[string]string{"k": "v"}},
		Spec:       stable.CronTabSpec{CronSpec: "* * * * *", Image: "i", Replicas: 1, Suspend: true},
	}
	before := hub.DeepCopy()
	var beta1 v1beta1.CronTab
	if err := scheme.Convert(hub, &beta1, nil); err != nil {
		t.Fatal(err)
	}
	if !apiequality.Semantic.DeepEqual(before, hub) {
		t.Errorf("converting changed the source: %s", cmp.Diff(before, hub))
	}
	var back stable.CronTab
	if err := scheme.Convert(&beta1, &back, nil); err != nil {
		t.Fatal(err)
	}
	if _, has := beta1.Annotations[stable.SuspendAnnotation]; !has {
		t.Errorf("converting back consumed the annotation of the v1beta1 source")
	}
}

// TestV1beta1SuspendAnnotation covers the values a v1beta1 client may send.
func TestV1beta1SuspendAnnotation(t *testing.T) {
	scheme, _ := newCodecs(t)
	for _, tc := range []struct {
		value       string
		wantSuspend bool
		wantInvalid bool
	}{
		{value: "true", wantSuspend: true},
		{value: "false", wantSuspend: false},
		{value: "yes", wantInvalid: true},
	} {
		t.Run(tc.value, func(t *testing.T) {
			beta1 := &v1beta1.CronTab{
				ObjectMeta: metav1.ObjectMeta{Name: "a", Namespace: "ns", Annotations: map[string]string{stable.SuspendAnnotation: tc.value}},
				Spec:       v1beta1.CronTabSpec{Schedule: "* * * * *", Image: "i", Replicas: ptr.To[int32](1)},
			}
			var hub stable.CronTab
			if err := scheme.Convert(beta1, &hub, nil); err != nil {
				t.Fatal(err)
			}
			if hub.Spec.Suspend != tc.wantSuspend {
				t.Errorf("suspend = %v, want %v", hub.Spec.Suspend, tc.wantSuspend)
			}
			errs := validation.ValidateCronTab(&hub)
			if tc.wantInvalid != (len(errs) != 0) {
				t.Errorf("validation errors = %v, want invalid=%v", errs, tc.wantInvalid)
			}
		})
	}
}
