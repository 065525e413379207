// Package fuzzer produces valid but varied wardle.example.com objects for
// the round-trip tests.
package fuzzer

import (
	runtimeserializer "k8s.io/apimachinery/pkg/runtime/serializer"
	"sigs.k8s.io/randfill"

	"github.com/example/extension-apiserver/pkg/apis/apitesting"
	"github.com/example/extension-apiserver/pkg/apis/wardle"
)

// Funcs returns the fuzzer functions of the wardle group.
var Funcs = func(codecs runtimeserializer.CodecFactory) []interface{} {
	return []interface{}{
		func(s *wardle.FlunderSpec, c randfill.Continue) {
			*s = wardle.FlunderSpec{}
			switch c.Intn(3) {
			case 0: // no reference
			case 1:
				s.ReferenceType = wardle.FlunderReferenceType
				s.FlunderReference = apitesting.RandomName(c)
			case 2:
				s.ReferenceType = wardle.FischerReferenceType
				s.FischerReference = apitesting.RandomName(c)
			}
		},
		func(f *wardle.Fischer, c randfill.Continue) {
			c.FillNoCustom(f)
			f.DisallowedFlunders = apitesting.UniqueNames(c, 6)
		},
	}
}
