package registry

import (
	"context"
	"regexp"
	"strconv"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
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
	typer runtime.ObjectTyper
}

func (u clientErrorsAsBadRequest) UpdatedObject(ctx context.Context, oldObj runtime.Object) (runtime.Object, error) {
	obj, err := u.UpdatedObjectInfo.UpdatedObject(ctx, oldObj)
	if err != nil {
		if _, isStatus := err.(apierrors.APIStatus); isStatus {
			return nil, namedPatchError(err, u.typer, oldObj)
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

// wrongType finds the field and type in the decoder's error for a value of
// the wrong JSON type: "json: cannot unmarshal string into Go struct field
// CronTab.status.replicas of type int32".
var wrongType = regexp.MustCompile(`cannot unmarshal (\w+) into Go struct field \w+\.([\w.]+) of type ([\w.\[\]*]+)`)

// namedPatchError rewrites k8s.io/apiserver's error for a patch that gives
// a field a value of the wrong JSON type (a 422 on the field "patch"
// holding the whole patched object, with no kind or name) into a 422 that
// names the object and the field, as kube-apiserver answers for a CRD.
// Other errors are returned as they are.
func namedPatchError(err error, typer runtime.ObjectTyper, oldObj runtime.Object) error {
	status, ok := err.(apierrors.APIStatus)
	if !ok || typer == nil {
		return err
	}
	s := status.Status()
	if s.Reason != metav1.StatusReasonInvalid || s.Details == nil || s.Details.Kind != "" || len(s.Details.Causes) != 1 || s.Details.Causes[0].Field != "patch" {
		return err
	}
	kinds, _, kindErr := typer.ObjectKinds(oldObj)
	accessor, accessorErr := meta.Accessor(oldObj)
	if kindErr != nil || accessorErr != nil || len(kinds) == 0 {
		return err
	}
	m := wrongType.FindStringSubmatch(s.Details.Causes[0].Message)
	if m == nil {
		return err
	}
	steps := strings.Split(m[2], ".")
	return apierrors.NewInvalid(kinds[0].GroupKind(), accessor.GetName(), field.ErrorList{
		field.Invalid(field.NewPath(steps[0], steps[1:]...), m[1], "must be of type "+m[3]),
	})
}
