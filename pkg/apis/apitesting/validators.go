package apitesting

import (
	"reflect"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/example/extension-apiserver/pkg/apis/stable"
	stablevalidation "github.com/example/extension-apiserver/pkg/apis/stable/validation"
	"github.com/example/extension-apiserver/pkg/apis/wardle"
	wardlevalidation "github.com/example/extension-apiserver/pkg/apis/wardle/validation"
)

// Validator is the create validation of one served kind.
type Validator struct {
	Namespaced bool
	Validate   func(runtime.Object) field.ErrorList
}

// Validators are the create validations of every served kind, by hub type,
// for the fuzz test. They are listed here rather than taken from the
// kinds' declarations in pkg/registry because fuzzing instruments every
// package the test builds, and the registry would bring all of
// k8s.io/apiserver; TestEveryServedKindIsCovered fails when a served kind
// is missing here.
var Validators = map[reflect.Type]Validator{
	reflect.TypeFor[*stable.CronTab](): {Namespaced: true, Validate: validation(stablevalidation.ValidateCronTab)},
	reflect.TypeFor[*wardle.Flunder](): {Namespaced: true, Validate: validation(wardlevalidation.ValidateFlunder)},
	reflect.TypeFor[*wardle.Fischer](): {Namespaced: false, Validate: validation(wardlevalidation.ValidateFischer)},
}

func validation[T runtime.Object](validate func(T) field.ErrorList) func(runtime.Object) field.ErrorList {
	return func(obj runtime.Object) field.ErrorList { return validate(obj.(T)) }
}
