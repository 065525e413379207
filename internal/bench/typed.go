package bench

import (
	"context"
	"fmt"
	"mime"
	"strconv"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"

	stablev1 "github.com/example/extension-apiserver/pkg/apis/stable/v1"
	clientset "github.com/example/extension-apiserver/pkg/generated/clientset/versioned"
	stablev1client "github.com/example/extension-apiserver/pkg/generated/clientset/versioned/typed/stable/v1"
)

// CronTabTarget writes CronTabs with the generated clientset in a binary
// encoding CRDs cannot serve: protobuf, or CBOR (which client-go uses only
// with its ClientsAllowCBOR feature, KUBE_FEATURE_ClientsAllowCBOR=true).
type CronTabTarget struct {
	client stablev1client.CronTabInterface
}

// NewTypedCronTabTarget returns a client of CronTabs in namespace that
// sends and accepts contentType, after checking that the server answers in
// it (a client or server without CBOR would silently fall back to JSON).
func NewTypedCronTabTarget(ctx context.Context, config *rest.Config, namespace, contentType string) (*CronTabTarget, error) {
	config = rest.CopyConfig(config)
	config.QPS, config.Burst = 1e6, 1e6
	config.ContentType = contentType
	config.AcceptContentTypes = contentType
	cs, err := clientset.NewForConfig(config)
	if err != nil {
		return nil, err
	}
	var answered string
	if err := cs.StableV1().RESTClient().Get().Namespace(namespace).Resource("crontabs").Param("limit", "1").
		Do(ctx).ContentType(&answered).Error(); err != nil {
		return nil, err
	}
	if mediaType, _, _ := mime.ParseMediaType(answered); mediaType != contentType {
		return nil, fmt.Errorf("asked for %s, the server answered %q", contentType, answered)
	}
	return &CronTabTarget{client: cs.StableV1().CronTabs(namespace)}, nil
}

func (t *CronTabTarget) object(i int, annotations map[string]string) *stablev1.CronTab {
	return &stablev1.CronTab{
		ObjectMeta: metav1.ObjectMeta{Name: objectName(i), Labels: map[string]string{"app.kubernetes.io/part-of": "bench"}, Annotations: benchAnnotations(annotations)},
		Spec:       stablev1.CronTabSpec{CronSpec: "*/5 * * * *", Image: "registry.example.com/cron:" + strconv.Itoa(i), Replicas: ptr.To[int32](2)},
	}
}

func (t *CronTabTarget) Create(ctx context.Context, i int) error {
	_, err := t.client.Create(ctx, t.object(i, nil), metav1.CreateOptions{})
	return err
}

func (t *CronTabTarget) Get(ctx context.Context, i int) error {
	_, err := t.client.Get(ctx, objectName(i), metav1.GetOptions{})
	return err
}

func (t *CronTabTarget) List(ctx context.Context) (int, error) {
	list, err := t.client.List(ctx, metav1.ListOptions{})
	if err != nil {
		return 0, err
	}
	return len(list.Items), nil
}

func (t *CronTabTarget) Update(ctx context.Context, i int) error {
	ct, err := t.client.Get(ctx, objectName(i), metav1.GetOptions{})
	if err != nil {
		return err
	}
	ct.Spec.Image = fmt.Sprintf("updated-%d-%s", i, ct.ResourceVersion)
	_, err = t.client.Update(ctx, ct, metav1.UpdateOptions{})
	return err
}

func (t *CronTabTarget) Delete(ctx context.Context, i int) error {
	return t.client.Delete(ctx, objectName(i), metav1.DeleteOptions{})
}

func (t *CronTabTarget) Stamp(ctx context.Context, i int, nanos int64) error {
	_, err := t.client.Create(ctx, t.object(i, map[string]string{StampAnnotation: strconv.FormatInt(nanos, 10)}), metav1.CreateOptions{})
	return err
}

func (t *CronTabTarget) Watch(ctx context.Context) (<-chan int64, error) {
	list, err := t.client.List(ctx, metav1.ListOptions{Limit: 1})
	if err != nil {
		return nil, err
	}
	w, err := t.client.Watch(ctx, metav1.ListOptions{ResourceVersion: list.ResourceVersion})
	if err != nil {
		return nil, err
	}
	return stampsOf(w), nil
}
