package framework

import (
	"bytes"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
)

// ProtobufAPIVersion returns the apiVersion of a value the server stored in
// protobuf: "k8s\x00", then a runtime.Unknown envelope.
func ProtobufAPIVersion(t testing.TB, value []byte) string {
	t.Helper()
	body, ok := bytes.CutPrefix(value, []byte("k8s\x00"))
	if !ok {
		t.Fatalf("not a protobuf value: %q", value)
	}
	var unknown runtime.Unknown
	if err := unknown.Unmarshal(body); err != nil {
		t.Fatal(err)
	}
	return unknown.APIVersion
}
