package install

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"

	v1 "github.com/example/extension-apiserver/pkg/apis/stable/v1"
	"github.com/example/extension-apiserver/pkg/apis/stable/v1beta1"
)

func TestDefaults(t *testing.T) {
	scheme, _ := newCodecs(t)
	for _, tc := range []struct {
		name     string
		in, want runtime.Object
	}{
		{
			name: "v1 replicas and suspend unset",
			in:   &v1.CronTab{Spec: v1.CronTabSpec{CronSpec: "* * * * *", Image: "i"}},
			want: &v1.CronTab{Spec: v1.CronTabSpec{CronSpec: "* * * * *", Image: "i", Replicas: ptr.To[int32](1), Suspend: ptr.To(false)}},
		},
		{
			name: "v1 explicit values kept",
			in:   &v1.CronTab{Spec: v1.CronTabSpec{Replicas: ptr.To[int32](7), Suspend: ptr.To(true)}},
			want: &v1.CronTab{Spec: v1.CronTabSpec{Replicas: ptr.To[int32](7), Suspend: ptr.To(true)}},
		},
		{
			name: "v1 explicit zero replicas kept for validation to refuse",
			in:   &v1.CronTab{Spec: v1.CronTabSpec{Replicas: ptr.To[int32](0)}},
			want: &v1.CronTab{Spec: v1.CronTabSpec{Replicas: ptr.To[int32](0), Suspend: ptr.To(false)}},
		},
		{
			name: "v1beta1 replicas unset",
			in:   &v1beta1.CronTab{Spec: v1beta1.CronTabSpec{Schedule: "* * * * *"}},
			want: &v1beta1.CronTab{Spec: v1beta1.CronTabSpec{Schedule: "* * * * *", Replicas: ptr.To[int32](1)}},
		},
		{
			name: "v1beta1 explicit replicas kept",
			in:   &v1beta1.CronTab{Spec: v1beta1.CronTabSpec{Replicas: ptr.To[int32](10)}},
			want: &v1beta1.CronTab{Spec: v1beta1.CronTabSpec{Replicas: ptr.To[int32](10)}},
		},
		{
			name: "v1 list items are defaulted",
			in:   &v1.CronTabList{Items: []v1.CronTab{{}}},
			want: &v1.CronTabList{Items: []v1.CronTab{{Spec: v1.CronTabSpec{Replicas: ptr.To[int32](1), Suspend: ptr.To(false)}}}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			scheme.Default(tc.in)
			if diff := cmp.Diff(tc.want, tc.in); diff != "" {
				t.Errorf("defaulted object differs (-want +got):\n%s", diff)
			}
		})
	}
}
