// Package fuzzer produces valid but varied stable.example.com objects for
// the round-trip tests.
package fuzzer

import (
	"fmt"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	runtimeserializer "k8s.io/apimachinery/pkg/runtime/serializer"
	"sigs.k8s.io/randfill"

	"github.com/example/extension-apiserver/pkg/apis/apitesting"
	"github.com/example/extension-apiserver/pkg/apis/stable"
)

// Funcs returns the fuzzer functions of the stable group.
var Funcs = func(codecs runtimeserializer.CodecFactory) []interface{} {
	return []interface{}{
		func(s *stable.CronTabSpec, c randfill.Continue) {
			s.CronSpec = RandomCronSpec(c)
			s.Image = apitesting.RandomName(c) + ":" + fmt.Sprint(c.Intn(100))
			s.Replicas = int32(1 + c.Intn(10))
			s.Suspend = c.Bool()
		},
		func(s *stable.CronTabStatus, c randfill.Continue) {
			s.Replicas = int32(c.Intn(11))
			s.ObservedGeneration = c.Int63n(1000)
			s.LabelSelector = ""
			if c.Bool() {
				s.LabelSelector = "stable.example.com/crontab=" + apitesting.RandomName(c)
			}
			s.Conditions = nil
			for i, n := 0, c.Intn(3); i < n; i++ {
				var cond metav1.Condition
				c.Fill(&cond.LastTransitionTime)
				cond.Type = []string{"Ready", "Progressing", "Degraded"}[i]
				cond.Status = []metav1.ConditionStatus{metav1.ConditionTrue, metav1.ConditionFalse, metav1.ConditionUnknown}[c.Intn(3)]
				cond.Reason = "Reason" + fmt.Sprint(c.Intn(5))
				cond.Message = c.String(30)
				cond.ObservedGeneration = c.Int63n(1000)
				s.Conditions = append(s.Conditions, cond)
			}
		},
	}
}

// RandomCronSpec returns a schedule of five fields, each a number or "*"
// with an optional step, separated by varied whitespace.
func RandomCronSpec(c randfill.Continue) string {
	fields := make([]string, 5)
	for i := range fields {
		f := "*"
		if c.Bool() {
			f = fmt.Sprint(c.Intn(60))
		}
		if c.Intn(3) == 0 {
			f += "/" + fmt.Sprint(1+c.Intn(30))
		}
		fields[i] = f
	}
	separators := []string{" ", "  ", "\t"}
	var b strings.Builder
	for i, f := range fields {
		if i > 0 {
			b.WriteString(separators[c.Intn(len(separators))])
		}
		b.WriteString(f)
	}
	return b.String()
}
