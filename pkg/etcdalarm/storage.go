package etcdalarm

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/registry/generic"
	"k8s.io/apiserver/pkg/storage"
	"k8s.io/apiserver/pkg/storage/storagebackend"
	"k8s.io/apiserver/pkg/storage/storagebackend/factory"
	"k8s.io/client-go/tools/cache"
)

// ReasonInsufficientStorage is the Status reason of a write etcd refused for
// lack of space; the code is 507 (Insufficient Storage), which clients do
// not retry on their own: space comes back only when an operator frees it.
const ReasonInsufficientStorage metav1.StatusReason = "InsufficientStorage"

// IsNoSpace reports whether err is etcd refusing a write because its
// database reached the space quota.
func IsNoSpace(err error) bool {
	return err != nil && (errors.Is(err, rpctypes.ErrNoSpace) || errors.Is(err, rpctypes.ErrGRPCNoSpace) ||
		strings.Contains(err.Error(), rpctypes.ErrNoSpace.Error()))
}

// NewInsufficientStorage is the Status a refused write answers with.
func NewInsufficientStorage(resource schema.GroupResource, err error) *apierrors.StatusError {
	return &apierrors.StatusError{ErrStatus: metav1.Status{
		Status: metav1.StatusFailure,
		Code:   http.StatusInsufficientStorage,
		Reason: ReasonInsufficientStorage,
		Message: fmt.Sprintf("%s: the server's etcd is out of space (alarm NOSPACE, %v): writes are refused until an operator frees space "+
			"(docs/operations.md#space-quota-and-the-nospace-alarm); reads, watches and deletes still work. etcd applies the one write that "+
			"filled it and still refuses it: read the object before retrying an update", resource, err),
		Details: &metav1.StatusDetails{Group: resource.Group, Kind: resource.Resource,
			Causes: []metav1.StatusCause{{Type: "EtcdAlarm", Message: "NOSPACE"}}},
	}}
}

// RESTOptionsGetter wraps getter so that every resource's storage answers
// writes etcd refused for lack of space with NewInsufficientStorage and
// tells the monitor of the resource's etcd cluster at once.
func RESTOptionsGetter(getter generic.RESTOptionsGetter, monitors *Monitors) generic.RESTOptionsGetter {
	return restOptionsGetter{getter: getter, monitors: monitors}
}

type restOptionsGetter struct {
	getter   generic.RESTOptionsGetter
	monitors *Monitors
}

func (g restOptionsGetter) GetRESTOptions(resource schema.GroupResource, example runtime.Object) (generic.RESTOptions, error) {
	opts, err := g.getter.GetRESTOptions(resource, example)
	if err != nil {
		return opts, err
	}
	monitor, err := g.monitors.For(opts.StorageConfig.Transport.ServerList)
	if err != nil {
		return opts, fmt.Errorf("%s: %w", resource, err)
	}
	decorate := opts.Decorator
	opts.Decorator = func(config *storagebackend.ConfigForResource, resourcePrefix string, keyFunc func(obj runtime.Object) (string, error),
		newFunc, newListFunc func() runtime.Object, getAttrsFunc storage.AttrFunc, trigger storage.IndexerFuncs, indexers *cache.Indexers) (storage.Interface, factory.DestroyFunc, error) {
		s, destroy, err := decorate(config, resourcePrefix, keyFunc, newFunc, newListFunc, getAttrsFunc, trigger, indexers)
		if err != nil {
			return s, destroy, err
		}
		return &alarmAwareStorage{Interface: s, resource: resource, monitor: monitor}, destroy, nil
	}
	return opts, nil
}

// alarmAwareStorage maps NOSPACE on the writes; everything else passes
// through.
type alarmAwareStorage struct {
	storage.Interface
	resource schema.GroupResource
	monitor  *Monitor
}

func (s *alarmAwareStorage) mapErr(err error) error {
	if !IsNoSpace(err) {
		return err
	}
	s.monitor.observeNoSpace()
	return NewInsufficientStorage(s.resource, err)
}

// Create maps NOSPACE, except for the write that crossed the quota: etcd
// applies it and still answers NOSPACE, so a create whose object is now
// stored (same UID) succeeded and answers so.
func (s *alarmAwareStorage) Create(ctx context.Context, key string, obj, out runtime.Object, ttl uint64) error {
	err := s.Interface.Create(ctx, key, obj, out, ttl)
	if !IsNoSpace(err) {
		return err
	}
	if created, getErr := meta.Accessor(obj); getErr == nil && created.GetUID() != "" {
		if getErr := s.Interface.Get(ctx, key, storage.GetOptions{}, out); getErr == nil {
			if stored, accessErr := meta.Accessor(out); accessErr == nil && stored.GetUID() == created.GetUID() {
				s.monitor.observeNoSpace()
				return nil
			}
		}
	}
	return s.mapErr(err)
}

func (s *alarmAwareStorage) Delete(ctx context.Context, key string, out runtime.Object, preconditions *storage.Preconditions,
	validateDeletion storage.ValidateObjectFunc, cachedExistingObject runtime.Object, opts storage.DeleteOptions) error {
	return s.mapErr(s.Interface.Delete(ctx, key, out, preconditions, validateDeletion, cachedExistingObject, opts))
}

func (s *alarmAwareStorage) GuaranteedUpdate(ctx context.Context, key string, destination runtime.Object, ignoreNotFound bool,
	preconditions *storage.Preconditions, tryUpdate storage.UpdateFunc, cachedExistingObject runtime.Object) error {
	return s.mapErr(s.Interface.GuaranteedUpdate(ctx, key, destination, ignoreNotFound, preconditions, tryUpdate, cachedExistingObject))
}
