// Package initializer hands admission plugins what they need from this
// server: the informer factory of its own API groups. The kube informer
// factory and clients come from k8s.io/apiserver's generic initializer, in
// aggregated mode only.
package initializer

import (
	"k8s.io/apiserver/pkg/admission"

	informers "github.com/example/extension-apiserver/pkg/generated/informers/externalversions"
)

// WantsExtensionInformerFactory is implemented by plugins that read this
// server's own objects.
type WantsExtensionInformerFactory interface {
	SetExtensionInformerFactory(informers.SharedInformerFactory)
	admission.InitializationValidator
}

type pluginInitializer struct {
	informers informers.SharedInformerFactory
}

var _ admission.PluginInitializer = pluginInitializer{}

// New returns an initializer that gives plugins factory. The server starts
// the factory once, after every plugin has asked for its informers.
func New(factory informers.SharedInformerFactory) admission.PluginInitializer {
	return pluginInitializer{informers: factory}
}

// Initialize hands the factory to the plugins that want it.
func (i pluginInitializer) Initialize(plugin admission.Interface) {
	if wants, ok := plugin.(WantsExtensionInformerFactory); ok {
		wants.SetExtensionInformerFactory(i.informers)
	}
}
