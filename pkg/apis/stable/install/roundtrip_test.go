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

// TestRoundTripProtobuf does the same through protobuf, the encoding
// Kubernetes' own types have and CRDs cannot.
func TestRoundTripProtobuf(t *testing.T) {
	roundtrip.RoundTripProtobufTestForAPIGroup(t, Install, stablefuzzer.Funcs)
}
