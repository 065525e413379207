package apitesting_test

import (
	"math/rand"
	"testing"

	"k8s.io/apimachinery/pkg/api/apitesting/fuzzer"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/example/extension-apiserver/pkg/apis/stable"
	stablefuzzer "github.com/example/extension-apiserver/pkg/apis/stable/fuzzer"
	stablevalidation "github.com/example/extension-apiserver/pkg/apis/stable/validation"
	"github.com/example/extension-apiserver/pkg/apis/wardle"
	wardlefuzzer "github.com/example/extension-apiserver/pkg/apis/wardle/fuzzer"
	wardlevalidation "github.com/example/extension-apiserver/pkg/apis/wardle/validation"
)

// TestFuzzedObjectsAreValid proves that the round-trip tests exercise
// objects the server would accept, not only arbitrary bytes.
func TestFuzzedObjectsAreValid(t *testing.T) {
	codecs := serializer.NewCodecFactory(runtime.NewScheme())
	seed := rand.Int63()
	t.Logf("seed %d", seed)
	filler := fuzzer.FuzzerFor(fuzzer.MergeFuzzerFuncs(stablefuzzer.Funcs, wardlefuzzer.Funcs), rand.NewSource(seed), codecs)
	seen := map[string]bool{}
	for i := 0; i < 500; i++ {
		var crontab stable.CronTabSpec
		filler.Fill(&crontab)
		check(t, "CronTab spec", crontab, stablevalidation.ValidateCronTabSpec(&crontab, field.NewPath("spec")))
		var status stable.CronTabStatus
		filler.Fill(&status)
		check(t, "CronTab status", status, stablevalidation.ValidateCronTabStatus(&status, field.NewPath("status")))

		var flunder wardle.FlunderSpec
		filler.Fill(&flunder)
		check(t, "Flunder spec", flunder, wardlevalidation.ValidateFlunderSpec(&flunder, field.NewPath("spec")))
		seen[string(flunder.ReferenceType)] = true

		var fischer wardle.Fischer
		filler.Fill(&fischer)
		fischer.ObjectMeta = metav1.ObjectMeta{Name: "f"}
		check(t, "Fischer", fischer.DisallowedFlunders, wardlevalidation.ValidateFischer(&fischer))
	}
	for _, referenceType := range []string{"", "Flunder", "Fischer"} {
		if !seen[referenceType] {
			t.Errorf("the Flunder fuzzer never produced referenceType %q", referenceType)
		}
	}
}

func check(t *testing.T, what string, obj any, errs field.ErrorList) {
	t.Helper()
	if len(errs) != 0 {
		t.Fatalf("fuzzed %s %+v is invalid: %v", what, obj, errs)
	}
}
