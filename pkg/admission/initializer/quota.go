package initializer

import (
	"context"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/admission"
	genericinitializer "k8s.io/apiserver/pkg/admission/initializer"
	quota "k8s.io/apiserver/pkg/quota/v1"
	"k8s.io/apiserver/pkg/quota/v1/generic"
	"k8s.io/client-go/metadata"
)

type quotaInitializer struct {
	client    metadata.Interface
	resources []schema.GroupVersionResource
}

// NewQuota returns an initializer that gives the ResourceQuota plugin
// object count evaluators of resources (count/<resource>.<group>).
//
// Admission charges each new object against the usage the cluster's quota
// controller keeps in the ResourceQuota's status; it never lists. Only a
// full recount does, so the evaluators list on demand through client (this
// server's loopback) rather than keep an informer: an informer would hold a
// second, decoded copy of every object and decode every write again.
func NewQuota(client metadata.Interface, resources []schema.GroupVersionResource) admission.PluginInitializer {
	return quotaInitializer{client: client, resources: resources}
}

// Initialize hands the quota configuration to the plugins that want it.
func (i quotaInitializer) Initialize(plugin admission.Interface) {
	wants, ok := plugin.(genericinitializer.WantsQuotaConfiguration)
	if !ok {
		return
	}
	var evaluators []quota.Evaluator
	for _, gvr := range i.resources {
		evaluators = append(evaluators, generic.NewObjectCountEvaluator(gvr.GroupResource(), func(namespace string) ([]runtime.Object, error) {
			list, err := i.client.Resource(gvr).Namespace(namespace).List(context.TODO(), metav1.ListOptions{ResourceVersion: "0"})
			if err != nil {
				return nil, err
			}
			objects := make([]runtime.Object, len(list.Items))
			for j := range list.Items {
				objects[j] = &list.Items[j]
			}
			return objects, nil
		}, ""))
	}
	wants.SetQuotaConfiguration(generic.NewConfiguration(evaluators, nil))
}
