package registry

import (
	"context"
	"strconv"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/registry/rest"
)

// clientErrorsAsBadRequest wraps the update a request describes. What
// UpdatedObject computes comes from the client (the body, or the patch
// applied to the stored object), so an error without an HTTP status is the
// client's: a patch the patch library cannot apply, an apply patch with a
// field the schema lacks, a resourceVersion that is not a number. The
// generic handlers would answer those with 500.
type clientErrorsAsBadRequest struct {
	rest.UpdatedObjectInfo
}

func (u clientErrorsAsBadRequest) UpdatedObject(ctx context.Context, oldObj runtime.Object) (runtime.Object, error) {
	obj, err := u.UpdatedObjectInfo.UpdatedObject(ctx, oldObj)
	if err != nil {
		if _, isStatus := err.(apierrors.APIStatus); isStatus {
			return nil, err
		}
		return nil, apierrors.NewBadRequest(err.Error())
	}
	if accessor, err := meta.Accessor(obj); err == nil {
		if rv := accessor.GetResourceVersion(); rv != "" {
			if _, err := strconv.ParseUint(rv, 10, 64); err != nil {
				return nil, apierrors.NewBadRequest("metadata.resourceVersion " + strconv.Quote(rv) + " is not a resource version this server issued")
			}
		}
	}
	return obj, nil
}
