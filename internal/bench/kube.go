package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
)

// wireObject is what every JSON target, raw etcd included, encodes and
// decodes: full object metadata, as typed clients decode it, and a small
// spec. One struct for every server keeps the load generator's share of
// the CPU the same in every scenario, and small (the dynamic client's
// map decoding cost more CPU than some servers did).
type wireObject struct {
	APIVersion string            `json:"apiVersion,omitempty"`
	Kind       string            `json:"kind,omitempty"`
	Metadata   metav1.ObjectMeta `json:"metadata"`
	Spec       map[string]any    `json:"spec,omitempty"`
}

type wireList struct {
	Metadata metav1.ListMeta `json:"metadata"`
	Items    []wireObject    `json:"items"`
}

// APITarget stores objects of one resource of an API server, in JSON.
type APITarget struct {
	rest      rest.Interface
	watcher   dynamic.ResourceInterface
	gvr       schema.GroupVersionResource
	namespace string
	kind      string
	spec      func(i int) map[string]any
	specField string // a string field of spec that updates change
	padding   string // replaces the default padding annotation when set
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
	watcher, err := dynamic.NewForConfig(config)
	if err != nil {
		return nil, err
	}
	gv := gvr.GroupVersion()
	config.GroupVersion = &gv
	config.APIPath = "/apis"
	config.ContentType = "application/json"
	config.NegotiatedSerializer = scheme.Codecs.WithoutConversion()
	client, err := rest.RESTClientFor(config)
	if err != nil {
		return nil, err
	}
	return &APITarget{rest: client, watcher: watcher.Resource(gvr).Namespace(namespace), gvr: gvr, namespace: namespace,
		kind: kind, spec: spec, specField: specField}, nil
}

func (t *APITarget) object(i int, annotations map[string]string) *wireObject {
	return &wireObject{
		APIVersion: t.gvr.GroupVersion().String(),
		Kind:       t.kind,
		Metadata: metav1.ObjectMeta{Name: objectName(i), Labels: map[string]string{"app.kubernetes.io/part-of": "bench"},
			Annotations: annotations},
		Spec: t.spec(i),
	}
}

// do sends body (when not nil) and decodes the answer into into (when not nil).
func (t *APITarget) do(ctx context.Context, req *rest.Request, body any, into any) error {
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return err
		}
		req = req.Body(data)
	}
	data, err := req.Namespace(t.namespace).Resource(t.gvr.Resource).DoRaw(ctx)
	if err != nil || into == nil {
		return err
	}
	return json.Unmarshal(data, into)
}

func (t *APITarget) Create(ctx context.Context, i int) error {
	annotations := benchAnnotations(nil)
	if t.padding != "" {
		annotations[paddingAnnotation] = t.padding
	}
	return t.do(ctx, t.rest.Post(), t.object(i, annotations), &wireObject{})
}

func (t *APITarget) Get(ctx context.Context, i int) error {
	return t.do(ctx, t.rest.Get().Name(objectName(i)), nil, &wireObject{})
}

func (t *APITarget) List(ctx context.Context) (int, error) {
	var list wireList
	err := t.do(ctx, t.rest.Get(), nil, &list)
	return len(list.Items), err
}

// Update is a read-modify-write of one spec field, with the read's
// resourceVersion as a precondition.
func (t *APITarget) Update(ctx context.Context, i int) error {
	var obj wireObject
	if err := t.do(ctx, t.rest.Get().Name(objectName(i)), nil, &obj); err != nil {
		return err
	}
	obj.Spec[t.specField] = fmt.Sprintf("updated-%d-%s", i, obj.Metadata.ResourceVersion)
	return t.do(ctx, t.rest.Put().Name(objectName(i)), &obj, &wireObject{})
}

func (t *APITarget) Delete(ctx context.Context, i int) error {
	return t.do(ctx, t.rest.Delete().Name(objectName(i)), nil, nil)
}

func (t *APITarget) Stamp(ctx context.Context, i int, nanos int64) error {
	obj := t.object(i, benchAnnotations(map[string]string{StampAnnotation: strconv.FormatInt(nanos, 10)}))
	return t.do(ctx, t.rest.Post(), obj, nil)
}

func (t *APITarget) Watch(ctx context.Context) (<-chan int64, error) {
	list, err := t.watcher.List(ctx, metav1.ListOptions{Limit: 1})
	if err != nil {
		return nil, err
	}
	w, err := t.watcher.Watch(ctx, metav1.ListOptions{ResourceVersion: list.GetResourceVersion()})
	if err != nil {
		return nil, err
	}
	return stampsOf(w), nil
}
