package apiserver

import (
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
)

func init() {
	stableinstall.Install(Scheme)
	wardleinstall.Install(Scheme)

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
