// Package initializer hands admission plugins what they need from this
// server: the informer factory of its own API groups and a loopback
// metadata client. The kube informer
// factory and clients come from k8s.io/apiserver's generic initializer, in
// aggregated mode only.
package initializer

import (
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/client-go/metadata"

	informers "github.com/example/extension-apiserver/pkg/generated/informers/externalversions"
)

// WantsExtensionInformerFactory is implemented by plugins that read this
// server's own objects.
type WantsExtensionInformerFactory interface {
	SetExtensionInformerFactory(informers.SharedInformerFactory)
	admission.InitializationValidator
}

// WantsLoopbackMetadataClient is implemented by plugins that read the
// metadata of this server's objects on demand, through its loopback client.
type WantsLoopbackMetadataClient interface {
	SetLoopbackMetadataClient(metadata.Interface)
	admission.InitializationValidator
}

type pluginInitializer struct {
	informers informers.SharedInformerFactory
	metadata  metadata.Interface
}

var _ admission.PluginInitializer = pluginInitializer{}

// New returns an initializer that gives plugins factory and the loopback
// metadata client. The server starts the factory once, after every plugin
// has asked for its informers.
func New(factory informers.SharedInformerFactory, metadataClient metadata.Interface) admission.PluginInitializer {
	return pluginInitializer{informers: factory, metadata: metadataClient}
}

// Initialize hands the factory and the client to the plugins that want them.
func (i pluginInitializer) Initialize(plugin admission.Interface) {
	if wants, ok := plugin.(WantsExtensionInformerFactory); ok {
		wants.SetExtensionInformerFactory(i.informers)
	}
	if wants, ok := plugin.(WantsLoopbackMetadataClient); ok {
		wants.SetLoopbackMetadataClient(i.metadata)
	}
}
