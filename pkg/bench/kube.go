package bench

import (
	"context"
	"fmt"
	"strconv"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
)

// APITarget stores objects of one resource of an API server.
type APITarget struct {
	client    dynamic.ResourceInterface
	gvr       schema.GroupVersionResource
	kind      string
	spec      func(i int) map[string]any
	specField string // a string field of spec that updates change
}

// CronTabSpec is the spec of the CronTab-shaped objects (ours and the CRD).
func CronTabSpec(i int) map[string]any {
	return map[string]any{"cronSpec": "*/5 * * * *", "image": "registry.example.com/cron:" + strconv.Itoa(i), "replicas": int64(2)}
}

// FlunderSpec is the spec of sample-apiserver's Flunders.
func FlunderSpec(i int) map[string]any {
	return map[string]any{"reference": "flunder-" + strconv.Itoa(i), "referenceType": "Flunder"}
}

// NewAPITarget returns a target writing kind objects of gvr in namespace.
func NewAPITarget(config *rest.Config, gvr schema.GroupVersionResource, kind, namespace string, spec func(int) map[string]any, specField string) (*APITarget, error) {
	config = rest.CopyConfig(config)
	config.QPS, config.Burst = 1e6, 1e6 // the server, not the client, is measured
	config.WarningHandler = rest.NoWarnings{}
	dc, err := dynamic.NewForConfig(config)
	if err != nil {
		return nil, err
	}
	return &APITarget{client: dc.Resource(gvr).Namespace(namespace), gvr: gvr, kind: kind, spec: spec, specField: specField}, nil
}

func (t *APITarget) object(i int) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": t.gvr.GroupVersion().String(),
		"kind":       t.kind,
		"metadata": map[string]any{
			"name":        objectName(i),
			"labels":      map[string]any{"app.kubernetes.io/part-of": "bench"},
			"annotations": map[string]any{"bench.example.com/padding": padding, "stable.example.com/skip-cleanup": "true"},
		},
		"spec": t.spec(i),
	}}
}

func (t *APITarget) Create(ctx context.Context, i int) error {
	_, err := t.client.Create(ctx, t.object(i), metav1.CreateOptions{})
	return err
}

func (t *APITarget) Get(ctx context.Context, i int) error {
	_, err := t.client.Get(ctx, objectName(i), metav1.GetOptions{})
	return err
}

func (t *APITarget) List(ctx context.Context) (int, error) {
	list, err := t.client.List(ctx, metav1.ListOptions{})
	if err != nil {
		return 0, err
	}
	return len(list.Items), nil
}

// Update is a read-modify-write of one spec field, with the read's
// resourceVersion as a precondition.
func (t *APITarget) Update(ctx context.Context, i int) error {
	obj, err := t.client.Get(ctx, objectName(i), metav1.GetOptions{})
	if err != nil {
		return err
	}
	if err := unstructured.SetNestedField(obj.Object, fmt.Sprintf("updated-%d-%s", i, obj.GetResourceVersion()), "spec", t.specField); err != nil {
		return err
	}
	_, err = t.client.Update(ctx, obj, metav1.UpdateOptions{})
	return err
}

func (t *APITarget) Delete(ctx context.Context, i int) error {
	return t.client.Delete(ctx, objectName(i), metav1.DeleteOptions{})
}

func (t *APITarget) Stamp(ctx context.Context, i int, nanos int64) error {
	obj := t.object(i)
	obj.SetAnnotations(map[string]string{StampAnnotation: strconv.FormatInt(nanos, 10), "stable.example.com/skip-cleanup": "true"})
	_, err := t.client.Create(ctx, obj, metav1.CreateOptions{})
	return err
}

func (t *APITarget) Watch(ctx context.Context) (<-chan int64, error) {
	list, err := t.client.List(ctx, metav1.ListOptions{Limit: 1})
	if err != nil {
		return nil, err
	}
	w, err := t.client.Watch(ctx, metav1.ListOptions{ResourceVersion: list.GetResourceVersion()})
	if err != nil {
		return nil, err
	}
	return stampsOf(w), nil
}
