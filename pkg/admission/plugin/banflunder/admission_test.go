package banflunder

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/admission"

	"github.com/example/extension-apiserver/pkg/apis/wardle"
	wardlev1beta1 "github.com/example/extension-apiserver/pkg/apis/wardle/v1beta1"
	"github.com/example/extension-apiserver/pkg/generated/clientset/versioned/fake"
	informers "github.com/example/extension-apiserver/pkg/generated/informers/externalversions"
)

func attributes(name string, op admission.Operation, subresource string) admission.Attributes {
	flunder := &wardle.Flunder{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"}}
	var old *wardle.Flunder
	if op == admission.Update {
		old = flunder.DeepCopy()
	}
	return admission.NewAttributesRecord(flunder, old, wardle.Kind("Flunder").WithVersion("v1beta1"), "default", name,
		wardle.Resource("flunders").WithVersion("v1beta1"), subresource, op, nil, false, nil)
}

// synced returns the plugin fed by a started informer over fischers.
func synced(t *testing.T, fischers ...*wardlev1beta1.Fischer) *Plugin {
	t.Helper()
	client := fake.NewSimpleClientset()
	for _, f := range fischers {
		if _, err := client.WardleV1beta1().Fischers().Create(context.Background(), f, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	factory := informers.NewSharedInformerFactory(client, 0)
	p := New(time.Second)
	p.SetExtensionInformerFactory(factory)
	if err := p.ValidateInitialization(); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	t.Cleanup(func() { close(stop) })
	factory.Start(stop)
	factory.WaitForCacheSync(stop)
	return p
}

func TestBanFlunder(t *testing.T) {
	p := synced(t, &wardlev1beta1.Fischer{ObjectMeta: metav1.ObjectMeta{Name: "strict"}, DisallowedFlunders: []string{"banned", "also-banned"}})
	for _, tc := range []struct {
		name        string
		op          admission.Operation
		subresource string
		wantBanned  bool
	}{
		{"banned", admission.Create, "", true},
		{"also-banned", admission.Update, "", true},
		{"allowed", admission.Create, "", false},
		{"allowed", admission.Update, "", false},
		{"banned", admission.Update, "status", false},
	} {
		err := p.Validate(context.Background(), attributes(tc.name, tc.op, tc.subresource), nil)
		if tc.wantBanned != apierrors.IsForbidden(err) || (!tc.wantBanned && err != nil) {
			t.Errorf("%s %s %q: %v, want banned=%v", tc.op, tc.subresource, tc.name, err, tc.wantBanned)
		}
		if tc.wantBanned && (!strings.Contains(err.Error(), PluginName) || !strings.Contains(err.Error(), `Fischer "strict"`)) {
			t.Errorf("the refusal must name the plugin and the Fischer: %v", err)
		}
	}
	if !p.Handles(admission.Create) || !p.Handles(admission.Update) || p.Handles(admission.Delete) {
		t.Error("BanFlunder must handle create and update only")
	}
}

func TestBanFlunderIgnoresOtherKinds(t *testing.T) {
	p := synced(t, &wardlev1beta1.Fischer{ObjectMeta: metav1.ObjectMeta{Name: "f"}, DisallowedFlunders: []string{"x"}})
	fischer := &wardle.Fischer{ObjectMeta: metav1.ObjectMeta{Name: "x"}}
	a := admission.NewAttributesRecord(fischer, nil, wardle.Kind("Fischer").WithVersion("v1beta1"), "", "x",
		wardle.Resource("fischers").WithVersion("v1beta1"), "", admission.Create, nil, false, nil)
	if err := p.Validate(context.Background(), a, nil); err != nil {
		t.Errorf("a Fischer named like a banned Flunder: %v", err)
	}
}

func TestBanFlunderNotSynced(t *testing.T) {
	factory := informers.NewSharedInformerFactory(fake.NewSimpleClientset(), 0)
	p := New(200 * time.Millisecond)
	p.SetExtensionInformerFactory(factory) // never started
	start := time.Now()
	err := p.Validate(context.Background(), attributes("anything", admission.Create, ""), nil)
	status, ok := err.(apierrors.APIStatus)
	if !ok || status.Status().Code != http.StatusServiceUnavailable || !strings.Contains(err.Error(), PluginName) {
		t.Fatalf("before the informer synced: %v, want 503 naming %s", err, PluginName)
	}
	if waited := time.Since(start); waited < 200*time.Millisecond || waited > 2*time.Second {
		t.Errorf("waited %s, want about the 200ms bound", waited)
	}
}

func TestBanFlunderNeedsItsInformer(t *testing.T) {
	if err := New(time.Second).ValidateInitialization(); err == nil {
		t.Error("a plugin without its informer must fail initialization")
	}
}
