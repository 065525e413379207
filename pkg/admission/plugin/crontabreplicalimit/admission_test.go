package crontabreplicalimit

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/admission"
	kubeinformers "k8s.io/client-go/informers"
	kubefake "k8s.io/client-go/kubernetes/fake"
	"k8s.io/utils/ptr"

	"github.com/example/extension-apiserver/pkg/apis/stable"
)

func attributes(obj runtime.Object, namespace, subresource string, op admission.Operation) admission.Attributes {
	return updateAttributes(obj, nil, namespace, subresource, op)
}

func updateAttributes(obj, old runtime.Object, namespace, subresource string, op admission.Operation) admission.Attributes {
	kind := stable.Kind("CronTab").WithVersion("v1")
	if _, isScale := obj.(*autoscalingv1.Scale); isScale {
		kind = autoscalingv1.SchemeGroupVersion.WithKind("Scale")
	}
	return admission.NewAttributesRecord(obj, old, kind, namespace, "ct", stable.Resource("crontabs").WithVersion("v1"),
		subresource, op, nil, false, nil)
}

func crontab(replicas int32) *stable.CronTab {
	return &stable.CronTab{ObjectMeta: metav1.ObjectMeta{Name: "ct"}, Spec: stable.CronTabSpec{Replicas: replicas}}
}

func plugin(t *testing.T, config *Configuration, namespaces ...*corev1.Namespace) *Plugin {
	t.Helper()
	client := kubefake.NewSimpleClientset()
	for _, ns := range namespaces {
		if _, err := client.CoreV1().Namespaces().Create(context.Background(), ns, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	factory := kubeinformers.NewSharedInformerFactory(client, 0)
	p := New(config, time.Second)
	p.SetExternalKubeInformerFactory(factory)
	extensionFactory := withClasses(t, p)
	if err := p.ValidateInitialization(); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	t.Cleanup(func() { close(stop) })
	factory.Start(stop)
	factory.WaitForCacheSync(stop)
	extensionFactory.Start(stop)
	extensionFactory.WaitForCacheSync(stop)
	return p
}

func namespace(name, limit string) *corev1.Namespace {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if limit != "" {
		ns.Annotations = map[string]string{MaxReplicasAnnotation: limit}
	}
	return ns
}

func TestCronTabReplicaLimit(t *testing.T) {
	p := plugin(t, &Configuration{DefaultMaxReplicas: ptr.To[int32](5)},
		namespace("small", "2"), namespace("plain", ""), namespace("broken", "many"))
	scale := func(replicas int32) *autoscalingv1.Scale {
		return &autoscalingv1.Scale{Spec: autoscalingv1.ScaleSpec{Replicas: replicas}}
	}
	for _, tc := range []struct {
		name string
		a    admission.Attributes
		want string // "" allowed, else a part of the refusal
	}{
		{"under the namespace limit", attributes(crontab(2), "small", "", admission.Create), ""},
		{"over the namespace limit", attributes(crontab(3), "small", "", admission.Create), `annotation of namespace "small"`},
		{"update over the limit", attributes(crontab(3), "small", "", admission.Update), "exceeds the limit of 2"},
		{"scale over the limit", attributes(scale(3), "small", "scale", admission.Update), "spec.replicas 3 exceeds the limit of 2"},
		// A limit lowered below what a CronTab has: only raising is refused.
		{"update keeping replicas above the limit", updateAttributes(crontab(4), crontab(4), "small", "", admission.Update), ""},
		{"update lowering replicas still above the limit", updateAttributes(crontab(3), crontab(4), "small", "", admission.Update), ""},
		{"update raising replicas above the limit", updateAttributes(crontab(5), crontab(4), "small", "", admission.Update), "spec.replicas 5 exceeds the limit of 2"},
		{"update raising replicas to the limit", updateAttributes(crontab(2), crontab(1), "small", "", admission.Update), ""},
		{"scale down still above the limit", updateAttributes(scale(3), scale(4), "small", "scale", admission.Update), ""},
		{"scale up above the limit", updateAttributes(scale(5), scale(4), "small", "scale", admission.Update), "spec.replicas 5 exceeds the limit of 2"},
		{"status writes are not checked", attributes(crontab(9), "small", "status", admission.Update), ""},
		{"default applies without annotation", attributes(crontab(6), "plain", "", admission.Create), "defaultMaxReplicas"},
		{"at the default", attributes(crontab(5), "plain", "", admission.Create), ""},
		{"invalid annotation fails closed", attributes(crontab(1), "broken", "", admission.Create), "invalid stable.example.com/max-replicas"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := p.Validate(context.Background(), tc.a, nil)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tc.want != "" && (!apierrors.IsForbidden(err) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), PluginName)):
				t.Errorf("got %v, want 403 from %s mentioning %q", err, PluginName, tc.want)
			}
		})
	}
}

func TestCronTabReplicaLimitWithoutDefault(t *testing.T) {
	p := plugin(t, &Configuration{}, namespace("plain", ""))
	if err := p.Validate(context.Background(), attributes(crontab(10), "plain", "", admission.Create), nil); err != nil {
		t.Errorf("without a default or annotation nothing is limited: %v", err)
	}
}

func TestCronTabReplicaLimitNotSynced(t *testing.T) {
	p := New(&Configuration{}, 100*time.Millisecond)
	p.SetExternalKubeInformerFactory(kubeinformers.NewSharedInformerFactory(kubefake.NewSimpleClientset(), 0))
	withClasses(t, p)
	err := p.Validate(context.Background(), attributes(crontab(1), "plain", "", admission.Create), nil)
	if status, ok := err.(apierrors.APIStatus); !ok || status.Status().Code != http.StatusServiceUnavailable {
		t.Errorf("before the namespace informer synced: %v, want 503", err)
	}
	if New(&Configuration{}, time.Second).ValidateInitialization() == nil {
		t.Error("without the namespace informer (standalone) the plugin must refuse to start")
	}
	withoutClasses := New(&Configuration{}, time.Second)
	withoutClasses.SetExternalKubeInformerFactory(kubeinformers.NewSharedInformerFactory(kubefake.NewSimpleClientset(), 0))
	if withoutClasses.ValidateInitialization() == nil {
		t.Error("without the CronTabClass informer and the loopback client the plugin must refuse to start")
	}
}

func TestLoadConfiguration(t *testing.T) {
	for _, tc := range []struct {
		name    string
		yaml    string
		want    *int32
		wantErr string
	}{
		{"valid", "apiVersion: admission.stable.example.com/v1alpha1\nkind: CronTabReplicaLimitConfiguration\ndefaultMaxReplicas: 4\n", ptr.To[int32](4), ""},
		{"no default", "apiVersion: admission.stable.example.com/v1alpha1\nkind: CronTabReplicaLimitConfiguration\n", nil, ""},
		{"unknown field", "apiVersion: admission.stable.example.com/v1alpha1\nkind: CronTabReplicaLimitConfiguration\ndefaultMaxReplica: 4\n", nil, "unknown field"},
		{"wrong kind", "apiVersion: admission.stable.example.com/v1alpha1\nkind: Something\n", nil, "want admission.stable.example.com/v1alpha1 CronTabReplicaLimitConfiguration"},
		{"out of range", "apiVersion: admission.stable.example.com/v1alpha1\nkind: CronTabReplicaLimitConfiguration\ndefaultMaxReplicas: 11\n", nil, "between 1 and 10"},
		{"not YAML", "{{", nil, "CronTabReplicaLimit configuration"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			config, err := LoadConfiguration(strings.NewReader(tc.yaml))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if (config.DefaultMaxReplicas == nil) != (tc.want == nil) || (tc.want != nil && *config.DefaultMaxReplicas != *tc.want) {
				t.Errorf("defaultMaxReplicas = %v, want %v", config.DefaultMaxReplicas, tc.want)
			}
		})
	}
	if config, err := LoadConfiguration(nil); err != nil || config.DefaultMaxReplicas != nil {
		t.Errorf("no configuration: %v %v", config, err)
	}
}
