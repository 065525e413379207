package server

import (
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apiserver/pkg/admission"
	admissionmetrics "k8s.io/apiserver/pkg/admission/metrics"
	"k8s.io/apiserver/pkg/admission/plugin/namespace/lifecycle"
	mutatingadmissionpolicy "k8s.io/apiserver/pkg/admission/plugin/policy/mutating"
	validatingadmissionpolicy "k8s.io/apiserver/pkg/admission/plugin/policy/validating"
	"k8s.io/apiserver/pkg/admission/plugin/resourcequota"
	mutatingwebhook "k8s.io/apiserver/pkg/admission/plugin/webhook/mutating"
	validatingwebhook "k8s.io/apiserver/pkg/admission/plugin/webhook/validating"
	apiserverapiinstall "k8s.io/apiserver/pkg/apis/apiserver/install"
	genericapiserver "k8s.io/apiserver/pkg/server"
	genericoptions "k8s.io/apiserver/pkg/server/options"
	"k8s.io/client-go/metadata"
	"k8s.io/klog/v2"

	"github.com/example/extension-apiserver/pkg/admission/initializer"
	"github.com/example/extension-apiserver/pkg/admission/plugin/banflunder"
	"github.com/example/extension-apiserver/pkg/admission/plugin/crontabcleanup"
	"github.com/example/extension-apiserver/pkg/admission/plugin/crontabreplicalimit"
	"github.com/example/extension-apiserver/pkg/apiserver"
	clientset "github.com/example/extension-apiserver/pkg/generated/clientset/versioned"
	informers "github.com/example/extension-apiserver/pkg/generated/informers/externalversions"
)

// coreAPIPlugins need a kube-apiserver's informers or clients; standalone
// mode runs without them.
var coreAPIPlugins = sets.New(
	lifecycle.PluginName, mutatingwebhook.PluginName, validatingwebhook.PluginName,
	validatingadmissionpolicy.PluginName, mutatingadmissionpolicy.PluginName, crontabreplicalimit.PluginName,
	resourcequota.PluginName,
)

// admissionConfigScheme decodes AdmissionConfiguration files.
var admissionConfigScheme = runtime.NewScheme()

func init() {
	apiserverapiinstall.Install(admissionConfigScheme)
}

// registerAdmissionPlugins adds this server's plugins. CronTabCleanup is
// off by default: its finalizer needs the CronTab controller to remove it.
func registerAdmissionPlugins(a *genericoptions.AdmissionOptions) {
	// ResourceQuota, last as in kube-apiserver: count/<resource>.<group>
	// quotas of the cluster hold for this server's kinds.
	resourcequota.Register(a.Plugins)
	banflunder.Register(a.Plugins)
	crontabcleanup.Register(a.Plugins)
	crontabreplicalimit.Register(a.Plugins)
	a.RecommendedPluginOrder = append(a.RecommendedPluginOrder, crontabcleanup.PluginName, banflunder.PluginName, crontabreplicalimit.PluginName,
		resourcequota.PluginName)
	a.DefaultOffPlugins.Insert(crontabcleanup.PluginName)
}

// admissionInitializers gives plugins the informers of this server's own
// API groups and a metadata client, both through its loopback client.
func (o *Options) admissionInitializers(c *genericapiserver.RecommendedConfig) ([]admission.PluginInitializer, error) {
	client, err := clientset.NewForConfig(c.LoopbackClientConfig)
	if err != nil {
		return nil, err
	}
	metadataClient, err := metadata.NewForConfig(c.LoopbackClientConfig)
	if err != nil {
		return nil, err
	}
	o.extensionInformers = informers.NewSharedInformerFactory(client, 10*time.Minute)
	return []admission.PluginInitializer{initializer.New(o.extensionInformers, metadataClient), initializer.NewQuota(metadataClient, quotaResources())}, nil
}

// startExtensionInformers starts, once the server serves, the informers
// the plugins asked for.
func (o *Options) startExtensionInformers(ctx genericapiserver.PostStartHookContext) error {
	if o.extensionInformers != nil {
		o.extensionInformers.Start(ctx.Done())
	}
	return nil
}

// enabledAdmissionPlugins lists the enabled plugins in their recommended
// order, as k8s.io/apiserver computes it.
func enabledAdmissionPlugins(a *genericoptions.AdmissionOptions) []string {
	off := sets.New(a.DisablePlugins...).Union(a.DefaultOffPlugins).Difference(sets.New(a.EnablePlugins...))
	var enabled []string
	for _, name := range a.RecommendedPluginOrder {
		if !off.Has(name) {
			enabled = append(enabled, name)
		}
	}
	return enabled
}

// applyStandaloneAdmission builds the admission chain without the plugins
// that need a kube-apiserver; k8s.io/apiserver's own path requires its
// clients for every plugin.
func (o *Options) applyStandaloneAdmission(c *genericapiserver.RecommendedConfig) error {
	a := o.RecommendedOptions.Admission
	var active, off []string
	for _, name := range enabledAdmissionPlugins(a) {
		if coreAPIPlugins.Has(name) {
			off = append(off, name)
		} else {
			active = append(active, name)
		}
	}
	if asked := sets.New(a.EnablePlugins...).Intersection(coreAPIPlugins); asked.Len() > 0 {
		return fmt.Errorf("admission plugins %v need a kube-apiserver and cannot run in standalone mode", sets.List(asked))
	}
	provider, err := admission.ReadAdmissionConfiguration(active, a.ConfigFile, admissionConfigScheme)
	if err != nil {
		return fmt.Errorf("reading the admission configuration: %w", err)
	}
	initializers, err := o.admissionInitializers(c)
	if err != nil {
		return err
	}
	chain, err := a.Plugins.NewFromPlugins(active, provider, admission.PluginInitializers(initializers), a.Decorators)
	if err != nil {
		return err
	}
	c.AdmissionControl = admissionmetrics.WithStepMetrics(chain)
	klog.InfoS("Standalone mode: admission plugins", "enabled", active, "offWithoutKubeAPIServer", off)
	return nil
}

// quotaResources are the resources ResourceQuota counts, in their preferred
// versions: every served one (a cluster-scoped one counts nothing in a
// namespace).
func quotaResources() []schema.GroupVersionResource {
	var gvrs []schema.GroupVersionResource
	for _, g := range apiserver.Groups {
		preferred := apiserver.ServedVersions(g.Name)[0]
		for resource := range g.Resources() {
			gvrs = append(gvrs, schema.GroupVersionResource{Group: g.Name, Version: preferred, Resource: resource})
		}
	}
	return gvrs
}
