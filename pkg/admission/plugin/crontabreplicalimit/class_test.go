package crontabreplicalimit

import (
	"context"
	"strings"
	"testing"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/admission"
	metadatafake "k8s.io/client-go/metadata/fake"
	"k8s.io/utils/ptr"

	"github.com/example/extension-apiserver/pkg/apis/stable"
	stablev1 "github.com/example/extension-apiserver/pkg/apis/stable/v1"
	"github.com/example/extension-apiserver/pkg/generated/clientset/versioned/fake"
	informers "github.com/example/extension-apiserver/pkg/generated/informers/externalversions"
)

// withClasses gives p the classes "one" (maxReplicas 1) and "roomy" (9),
// and, for the reads of Scale writes, the CronTabs plain/labelled (of class
// "one") and small/ct (of no class).
func withClasses(t *testing.T, p *Plugin) informers.SharedInformerFactory {
	t.Helper()
	class := func(name string, limit int32) runtime.Object {
		return &stablev1.CronTabClass{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: stablev1.CronTabClassSpec{MaxReplicas: ptr.To(limit)}}
	}
	factory := informers.NewSharedInformerFactory(fake.NewSimpleClientset(class("one", 1), class("roomy", 9)), 0)
	p.SetExtensionInformerFactory(factory)
	scheme := metadatafake.NewTestScheme()
	if err := metav1.AddMetaToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	crontabMetadata := func(namespace, name string, labels map[string]string) runtime.Object {
		return &metav1.PartialObjectMetadata{TypeMeta: metav1.TypeMeta{APIVersion: "stable.example.com/v1", Kind: "CronTab"},
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace, Labels: labels}}
	}
	p.SetLoopbackMetadataClient(metadatafake.NewSimpleMetadataClient(scheme,
		crontabMetadata("plain", "labelled", map[string]string{stable.ClassLabel: "one"}), crontabMetadata("small", "ct", nil)))
	return factory
}

func classed(replicas int32, class string) *stable.CronTab {
	c := crontab(replicas)
	c.Labels = map[string]string{stable.ClassLabel: class}
	return c
}

func TestCronTabClassLimit(t *testing.T) {
	p := plugin(t, &Configuration{DefaultMaxReplicas: ptr.To[int32](5)}, namespace("small", "2"), namespace("plain", ""))
	scaleOf := func(name string, replicas int32) admission.Attributes {
		return admission.NewAttributesRecord(&autoscalingv1.Scale{Spec: autoscalingv1.ScaleSpec{Replicas: replicas}}, nil,
			autoscalingv1.SchemeGroupVersion.WithKind("Scale"), "plain", name, stable.Resource("crontabs").WithVersion("v1"),
			"scale", admission.Update, nil, false, nil)
	}
	for _, tc := range []struct {
		name string
		a    admission.Attributes
		want string // "" allowed, else a part of the refusal
	}{
		{"within the class", attributes(classed(1, "one"), "plain", "", admission.Create), ""},
		{"over the class", attributes(classed(2, "one"), "plain", "", admission.Create), `exceeds the limit of 1 set by CronTabClass "one"`},
		{"the namespace's limit is lower than the class's", attributes(classed(3, "roomy"), "small", "", admission.Create), `annotation of namespace "small"`},
		{"the default is lower than the class's", attributes(classed(6, "roomy"), "plain", "", admission.Create), "defaultMaxReplicas"},
		{"a missing class is refused", attributes(classed(1, "nope"), "plain", "", admission.Create), `CronTabClass "nope", which does not exist`},
		{"a Scale of a CronTab of a class", scaleOf("labelled", 2), `exceeds the limit of 1 set by CronTabClass "one"`},
		{"a Scale of a missing CronTab", scaleOf("gone", 2), `reading the labels of CronTab plain/gone`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := p.Validate(context.Background(), tc.a, nil)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tc.want != "" && (!apierrors.IsForbidden(err) || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("got %v, want 403 mentioning %q", err, tc.want)
			}
		})
	}
}
