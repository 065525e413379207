// Package install registers stable.example.com, all its versions and its
// internal hub type, in a scheme.
package install

import (
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"

	"github.com/example/extension-apiserver/pkg/apis/stable"
	v1 "github.com/example/extension-apiserver/pkg/apis/stable/v1"
	"github.com/example/extension-apiserver/pkg/apis/stable/v1beta1"
)

// Install adds the group to scheme, v1 first as the preferred version.
func Install(scheme *runtime.Scheme) {
	utilruntime.Must(stable.AddToScheme(scheme))
	utilruntime.Must(v1.AddToScheme(scheme))
	utilruntime.Must(v1beta1.AddToScheme(scheme))
	utilruntime.Must(scheme.SetVersionPriority(v1.SchemeGroupVersion, v1beta1.SchemeGroupVersion))
}
