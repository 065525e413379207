package crontab

import (
	"context"
	"fmt"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/managedfields"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/rest"
	"sigs.k8s.io/structured-merge-diff/v6/fieldpath"

	"github.com/example/extension-apiserver/pkg/apis/stable"
	"github.com/example/extension-apiserver/pkg/registry"
)

// ScaleREST serves autoscaling/v1 Scale for CronTabs, so that kubectl scale
// and HorizontalPodAutoscalers work: spec.replicas and status.replicas map
// to the CronTab's, the selector is status.labelSelector.
type ScaleREST struct {
	store *registry.REST
}

var (
	_ rest.Patcher                  = &ScaleREST{}
	_ rest.GroupVersionKindProvider = &ScaleREST{}
)

// GroupVersionKind tells discovery that /scale serves autoscaling/v1 Scale.
func (r *ScaleREST) GroupVersionKind(schema.GroupVersion) schema.GroupVersionKind {
	return autoscalingv1.SchemeGroupVersion.WithKind("Scale")
}

// New returns an empty Scale.
func (r *ScaleREST) New() runtime.Object { return &autoscalingv1.Scale{} }

// Destroy is a no-op: the main resource owns the storage.
func (r *ScaleREST) Destroy() {}

// Get returns the Scale of a CronTab.
func (r *ScaleREST) Get(ctx context.Context, name string, options *metav1.GetOptions) (runtime.Object, error) {
	obj, err := r.store.Get(ctx, name, options)
	if err != nil {
		return nil, err
	}
	return scaleOf(obj.(*stable.CronTab)), nil
}

// Update sets spec.replicas of a CronTab from a Scale. The CronTab's own
// validation runs, so a refused value gets the same message as a direct
// update; a Scale with a resourceVersion is a precondition on the CronTab.
func (r *ScaleREST) Update(ctx context.Context, name string, objInfo rest.UpdatedObjectInfo, createValidation rest.ValidateObjectFunc,
	updateValidation rest.ValidateObjectUpdateFunc, forceAllowCreate bool, options *metav1.UpdateOptions) (runtime.Object, bool, error) {
	obj, _, err := r.store.Update(ctx, name, &scaleUpdate{name: name, scaleInfo: objInfo},
		scaleCreateValidation(createValidation), scaleUpdateValidation(updateValidation), false, options)
	if err != nil {
		return nil, false, err
	}
	return scaleOf(obj.(*stable.CronTab)), false, nil
}

// ConvertToTable renders a Scale with the default columns.
func (r *ScaleREST) ConvertToTable(ctx context.Context, object runtime.Object, tableOptions runtime.Object) (*metav1.Table, error) {
	return rest.NewDefaultTableConvertor(stable.Resource("crontabs/scale")).ConvertToTable(ctx, object, tableOptions)
}

func scaleOf(c *stable.CronTab) *autoscalingv1.Scale {
	return &autoscalingv1.Scale{
		ObjectMeta: metav1.ObjectMeta{
			Name:              c.Name,
			Namespace:         c.Namespace,
			UID:               c.UID,
			ResourceVersion:   c.ResourceVersion,
			CreationTimestamp: c.CreationTimestamp,
		},
		Spec:   autoscalingv1.ScaleSpec{Replicas: c.Spec.Replicas},
		Status: autoscalingv1.ScaleStatus{Replicas: c.Status.Replicas, Selector: c.Status.LabelSelector},
	}
}

// scaleUpdate turns an update of the Scale into an update of the CronTab.
type scaleUpdate struct {
	name      string
	scaleInfo rest.UpdatedObjectInfo
}

func (u *scaleUpdate) Preconditions() *metav1.Preconditions { return u.scaleInfo.Preconditions() }

func (u *scaleUpdate) UpdatedObject(ctx context.Context, oldObj runtime.Object) (runtime.Object, error) {
	crontab, ok := oldObj.DeepCopyObject().(*stable.CronTab)
	if !ok {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("unexpected object %T", oldObj))
	}
	// Field ownership moves between the CronTab and its Scale as
	// kube-apiserver moves it for a CRD's scale: a manager of the CronTab's
	// spec.replicas owns the Scale's, and a write through /scale is recorded
	// on the CronTab in an entry with subresource "scale".
	info, ok := genericapirequest.RequestInfoFrom(ctx)
	if !ok {
		return nil, apierrors.NewInternalError(fmt.Errorf("no request information for the scale of %q", u.name))
	}
	fieldsHandler := managedfields.NewScaleHandler(crontab.ManagedFields,
		schema.GroupVersion{Group: info.APIGroup, Version: info.APIVersion}, replicasPaths)
	oldScale := scaleOf(crontab)
	var err error
	if oldScale.ManagedFields, err = fieldsHandler.ToSubresource(); err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	newObj, err := u.scaleInfo.UpdatedObject(ctx, oldScale)
	if err != nil {
		return nil, err
	}
	scale, ok := newObj.(*autoscalingv1.Scale)
	if !ok {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("expected a Scale, got %T", newObj))
	}
	if scale.Name != "" && scale.Name != u.name {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("Scale name %q does not match the CronTab %q", scale.Name, u.name))
	}
	crontab.Spec.Replicas = scale.Spec.Replicas
	// An empty resourceVersion is an unconditional update, as for the CronTab.
	crontab.ResourceVersion = scale.ResourceVersion
	if crontab.ManagedFields, err = fieldsHandler.ToParent(scale.ManagedFields); err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	return crontab, nil
}

// replicasPaths is where each served version of CronTab keeps what a
// Scale's spec.replicas is.
var replicasPaths = managedfields.ResourcePathMappings{
	"stable.example.com/v1":      fieldpath.MakePathOrDie("spec", "replicas"),
	"stable.example.com/v1beta1": fieldpath.MakePathOrDie("spec", "replicas"),
}

// Admission sees Scales on the scale subresource, as in kube-apiserver.
func scaleCreateValidation(validate rest.ValidateObjectFunc) rest.ValidateObjectFunc {
	return func(ctx context.Context, obj runtime.Object) error {
		return validate(ctx, scaleOf(obj.(*stable.CronTab)))
	}
}

func scaleUpdateValidation(validate rest.ValidateObjectUpdateFunc) rest.ValidateObjectUpdateFunc {
	return func(ctx context.Context, obj, old runtime.Object) error {
		return validate(ctx, scaleOf(obj.(*stable.CronTab)), scaleOf(old.(*stable.CronTab)))
	}
}
