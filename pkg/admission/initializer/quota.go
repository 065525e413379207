package initializer

import (
	"fmt"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/admission"
	genericinitializer "k8s.io/apiserver/pkg/admission/initializer"
	quota "k8s.io/apiserver/pkg/quota/v1"
	"k8s.io/apiserver/pkg/quota/v1/generic"

	informers "github.com/example/extension-apiserver/pkg/generated/informers/externalversions"
)

type quotaInitializer struct {
	informers informers.SharedInformerFactory
	resources []schema.GroupVersionResource
}

// NewQuota returns an initializer that gives the ResourceQuota plugin
// object count evaluators of resources (count/<resource>.<group>), which
// count from this server's own informers. The informers are only asked for
// when a plugin wants them (not in standalone mode).
func NewQuota(factory informers.SharedInformerFactory, resources []schema.GroupVersionResource) admission.PluginInitializer {
	return quotaInitializer{informers: factory, resources: resources}
}

// Initialize hands the quota configuration to the plugins that want it.
func (i quotaInitializer) Initialize(plugin admission.Interface) {
	wants, ok := plugin.(genericinitializer.WantsQuotaConfiguration)
	if !ok {
		return
	}
	var evaluators []quota.Evaluator
	for _, gvr := range i.resources {
		informer, err := i.informers.ForResource(gvr)
		if err != nil {
			// At start-up: the resources passed in are the ones served.
			panic(fmt.Sprintf("ResourceQuota evaluator of %s: %v", gvr, err))
		}
		lister := informer.Lister()
		evaluators = append(evaluators, generic.NewObjectCountEvaluator(gvr.GroupResource(), func(namespace string) ([]runtime.Object, error) {
			return lister.ByNamespace(namespace).List(labels.Everything())
		}, ""))
	}
	wants.SetQuotaConfiguration(generic.NewConfiguration(evaluators, nil))
}
