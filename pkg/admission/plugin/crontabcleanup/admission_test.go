package crontabcleanup

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/admission"
	kubeinformers "k8s.io/client-go/informers"
	kubefake "k8s.io/client-go/kubernetes/fake"

	"github.com/example/extension-apiserver/pkg/apis/stable"
)

func create(crontab *stable.CronTab) admission.Attributes {
	return admission.NewAttributesRecord(crontab, nil, stable.Kind("CronTab").WithVersion("v1"), crontab.Namespace, crontab.Name,
		stable.Resource("crontabs").WithVersion("v1"), "", admission.Create, nil, false, nil)
}

func crontabIn(namespace string, annotations map[string]string) *stable.CronTab {
	return &stable.CronTab{ObjectMeta: metav1.ObjectMeta{Name: "ct", Namespace: namespace, Annotations: annotations}}
}

func withNamespaces(t *testing.T, namespaces ...*corev1.Namespace) *Plugin {
	t.Helper()
	client := kubefake.NewSimpleClientset()
	for _, ns := range namespaces {
		if _, err := client.CoreV1().Namespaces().Create(context.Background(), ns, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	factory := kubeinformers.NewSharedInformerFactory(client, 0)
	p := New(time.Second)
	p.SetExternalKubeInformerFactory(factory)
	stop := make(chan struct{})
	t.Cleanup(func() { close(stop) })
	factory.Start(stop)
	factory.WaitForCacheSync(stop)
	return p
}

func TestCronTabCleanup(t *testing.T) {
	optedOut := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "opted-out", Annotations: map[string]string{SkipAnnotation: "true"}}}
	plain := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "plain"}}
	aggregated := withNamespaces(t, optedOut, plain)
	standalone := New(time.Second) // no namespace informer

	for _, tc := range []struct {
		name    string
		plugin  *Plugin
		crontab *stable.CronTab
		want    bool
	}{
		{"gets the finalizer", aggregated, crontabIn("plain", nil), true},
		{"object opts out", aggregated, crontabIn("plain", map[string]string{SkipAnnotation: "true"}), false},
		{"namespace opts out", aggregated, crontabIn("opted-out", nil), false},
		{"annotation must say true", aggregated, crontabIn("plain", map[string]string{SkipAnnotation: "yes"}), true},
		{"standalone: gets the finalizer", standalone, crontabIn("opted-out", nil), true},
		{"standalone: object opts out", standalone, crontabIn("plain", map[string]string{SkipAnnotation: "true"}), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.plugin.Admit(context.Background(), create(tc.crontab), nil); err != nil {
				t.Fatal(err)
			}
			if got := slices.Contains(tc.crontab.Finalizers, Finalizer); got != tc.want {
				t.Errorf("finalizers %v, want %s: %v", tc.crontab.Finalizers, Finalizer, tc.want)
			}
		})
	}

	t.Run("added once", func(t *testing.T) {
		crontab := crontabIn("plain", nil)
		crontab.Finalizers = []string{Finalizer}
		if err := aggregated.Admit(context.Background(), create(crontab), nil); err != nil || len(crontab.Finalizers) != 1 {
			t.Errorf("finalizers %v, err %v", crontab.Finalizers, err)
		}
	})
	if aggregated.Handles(admission.Update) || !aggregated.Handles(admission.Create) {
		t.Error("CronTabCleanup must handle create only")
	}
}

func TestCronTabCleanupNotSynced(t *testing.T) {
	p := New(100 * time.Millisecond)
	p.SetExternalKubeInformerFactory(kubeinformers.NewSharedInformerFactory(kubefake.NewSimpleClientset(), 0))
	err := p.Admit(context.Background(), create(crontabIn("plain", nil)), nil)
	if status, ok := err.(apierrors.APIStatus); !ok || status.Status().Code != http.StatusServiceUnavailable {
		t.Errorf("before the namespace informer synced: %v, want 503", err)
	}
}
