package apiserver

import (
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"

	stableinstall "github.com/example/extension-apiserver/pkg/apis/stable/install"
	wardleinstall "github.com/example/extension-apiserver/pkg/apis/wardle/install"
)

var (
	// Scheme knows every group this server serves, their versions and hub types.
	Scheme = runtime.NewScheme()
	// Codecs encodes and decodes the Scheme's types.
	Codecs = serializer.NewCodecFactory(Scheme)
	// ParameterCodec decodes query parameters into the Scheme's options
	// types: metav1's, and those of subresources (CronTabScheduleOptions).
	ParameterCodec = runtime.NewParameterCodec(Scheme)
)

func init() {
	stableinstall.Install(Scheme)
	wardleinstall.Install(Scheme)

	// The scale subresource speaks autoscaling/v1 Scale. Registering the
	// same Go type as its hub version makes the request decoder's
	// conversion to the hub a no-op.
	Scheme.AddKnownTypes(autoscalingv1.SchemeGroupVersion, &autoscalingv1.Scale{})
	Scheme.AddKnownTypes(schema.GroupVersion{Group: autoscalingv1.GroupName, Version: runtime.APIVersionInternal}, &autoscalingv1.Scale{})

	// Options such as ListOptions and DeleteOptions, and the unversioned
	// discovery and Status types, as every API server registers them.
	metav1.AddToGroupVersion(Scheme, schema.GroupVersion{Version: "v1"})
	unversioned := schema.GroupVersion{Group: "", Version: "v1"}
	Scheme.AddUnversionedTypes(unversioned,
		&metav1.Status{},
		&metav1.APIVersions{},
		&metav1.APIGroupList{},
		&metav1.APIGroup{},
		&metav1.APIResourceList{},
	)
}
