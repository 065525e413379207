package install

import (
	"testing"

	"k8s.io/apimachinery/pkg/api/apitesting/roundtrip"

	stablefuzzer "github.com/example/extension-apiserver/pkg/apis/stable/fuzzer"
)

// TestRoundTripTypes fuzzes every internal kind, converts it to every
// served version, encodes, decodes and converts back, and demands the same object.
func TestRoundTripTypes(t *testing.T) {
	roundtrip.RoundTripTestForAPIGroup(t, Install, stablefuzzer.Funcs)
}
