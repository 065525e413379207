package integration

import (
	"context"
	"fmt"
	"strings"
	"testing"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"

	stablev1beta1 "github.com/example/extension-apiserver/pkg/apis/stable/v1beta1"
	"github.com/example/extension-apiserver/pkg/apiserver"
	clientset "github.com/example/extension-apiserver/pkg/generated/clientset/versioned"
	"github.com/example/extension-apiserver/test/integration/framework"
)

// deprecatedVersions are the versions the API lifecycle deprecates (in
// 1.37, for removal in 1.40), with the version that replaces them: every
// kind of a deprecated version must warn, a kind added later included.
var deprecatedVersions = map[schema.GroupVersion]schema.GroupVersion{
	{Group: "wardle.example.com", Version: "v1alpha1"}: {Group: "wardle.example.com", Version: "v1beta1"},
	{Group: "stable.example.com", Version: "v1beta1"}:  {Group: "stable.example.com", Version: "v1"},
}

// deprecationWarning is the warning kind gets in gv, if gv is deprecated.
func deprecationWarning(gv schema.GroupVersion, kind string) (string, bool) {
	replacement, deprecated := deprecatedVersions[gv]
	return fmt.Sprintf("%s %s is deprecated in v1.37+, unavailable in v1.40+; use %s %s", gv, kind, replacement, kind), deprecated
}

// TestDeprecationWarnings lists every resource in every served version:
// the deprecated versions answer with their warning, the others with none.
// Every kind of request to a deprecated version warns, subresources too,
// and kubectl prints the warning.
func TestDeprecationWarnings(t *testing.T) {
	s := framework.StartServer(t, framework.ServerConfig{})
	seen := &framework.WarningRecorder{}
	config := rest.CopyConfig(s.Config)
	config.WarningHandler = seen
	dc := dynamic.NewForConfigOrDie(config)
	ctx := context.Background()

	for _, g := range apiserver.Groups {
		for _, version := range apiserver.ServedVersions(g.Name) {
			gv := schema.GroupVersion{Group: g.Name, Version: version}
			for resource, kind := range g.Resources() {
				if _, err := dc.Resource(gv.WithResource(resource)).List(ctx, metav1.ListOptions{}); err != nil {
					t.Fatal(err)
				}
				got := seen.Take()
				want, deprecated := deprecationWarning(gv, apiserver.KindOf(kind))
				switch {
				case deprecated && (len(got) != 1 || got[0] != want):
					t.Errorf("list %s in %s: warnings %q, want %q", resource, gv, got, want)
				case !deprecated && len(got) != 0:
					t.Errorf("list %s in %s: warnings %q, want none", resource, gv, got)
				}
			}
		}
	}

	cs := clientset.NewForConfigOrDie(config)
	crontabs := cs.StableV1beta1().CronTabs("default")
	want, _ := deprecationWarning(stablev1beta1.SchemeGroupVersion, "CronTab")
	expectWarning := func(request string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", request, err)
		}
		if got := seen.Take(); len(got) != 1 || got[0] != want {
			t.Errorf("%s: warnings %q, want %q", request, got, want)
		}
	}
	_, err := crontabs.Create(ctx, &stablev1beta1.CronTab{ObjectMeta: metav1.ObjectMeta{Name: "old"},
		Spec: stablev1beta1.CronTabSpec{Schedule: "* * * * *", Image: "busybox", Replicas: ptr.To[int32](1)}}, metav1.CreateOptions{})
	expectWarning("create", err)
	ct, err := crontabs.Get(ctx, "old", metav1.GetOptions{})
	expectWarning("get", err)
	_, err = crontabs.UpdateStatus(ctx, ct, metav1.UpdateOptions{})
	expectWarning("update /status", err)
	_, err = crontabs.GetScale(ctx, "old", metav1.GetOptions{})
	expectWarning("get /scale", err)
	_, err = crontabs.UpdateScale(ctx, "old", &autoscalingv1.Scale{ObjectMeta: metav1.ObjectMeta{Name: "old"}, Spec: autoscalingv1.ScaleSpec{Replicas: 2}}, metav1.UpdateOptions{})
	expectWarning("update /scale", err)
	w, err := crontabs.Watch(ctx, metav1.ListOptions{})
	expectWarning("watch", err)
	w.Stop()
	expectWarning("delete", crontabs.Delete(ctx, "old", metav1.DeleteOptions{}))

	_, errOut, err := s.Kubectl(t, "get", "flunders.v1alpha1.wardle.example.com")
	flunderWarning, _ := deprecationWarning(schema.GroupVersion{Group: "wardle.example.com", Version: "v1alpha1"}, "Flunder")
	if wantLine := "Warning: " + flunderWarning; err != nil || !strings.Contains(errOut, wantLine) {
		t.Errorf("kubectl get flunders.v1alpha1: err %v, stderr %q; want %q", err, errOut, wantLine)
	}
	_, errOut, err = s.Kubectl(t, "get", "flunders")
	if err != nil || strings.Contains(errOut, "Warning") {
		t.Errorf("kubectl get flunders (preferred version): err %v, stderr %q; want no warning", err, errOut)
	}
}
