// Package crontabreplicalimit refuses CronTabs, and scalings of them, with
// more replicas than their namespace or their CronTabClass allows.
package crontabreplicalimit

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"time"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/admission"
	genericinitializer "k8s.io/apiserver/pkg/admission/initializer"
	kubeinformers "k8s.io/client-go/informers"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/metadata"

	"github.com/example/extension-apiserver/pkg/admission/informersync"
	"github.com/example/extension-apiserver/pkg/admission/initializer"
	"github.com/example/extension-apiserver/pkg/apis/stable"
	stablelisters "github.com/example/extension-apiserver/pkg/generated/listers/stable/v1"
)

const (
	// PluginName is the name of the plugin in --enable-admission-plugins.
	PluginName = "CronTabReplicaLimit"
	// MaxReplicasAnnotation on a namespace limits the replicas of its CronTabs.
	MaxReplicasAnnotation = "stable.example.com/max-replicas"
)

// Register registers the plugin.
func Register(plugins *admission.Plugins) {
	plugins.Register(PluginName, func(config io.Reader) (admission.Interface, error) {
		c, err := LoadConfiguration(config)
		if err != nil {
			return nil, err
		}
		return New(c, informersync.DefaultTimeout), nil
	})
}

// Plugin is the CronTabReplicaLimit validating admission plugin.
type Plugin struct {
	*admission.Handler
	config     *Configuration
	namespaces corelisters.NamespaceLister
	classes    stablelisters.CronTabClassLister
	crontabs   metadata.Getter
	gate       *informersync.Gate
}

var (
	_ admission.ValidationInterface                       = &Plugin{}
	_ genericinitializer.WantsExternalKubeInformerFactory = &Plugin{}
	_ initializer.WantsExtensionInformerFactory           = &Plugin{}
	_ initializer.WantsLoopbackMetadataClient             = &Plugin{}
)

// New returns the plugin; requests wait at most syncTimeout for the
// namespace informer.
func New(config *Configuration, syncTimeout time.Duration) *Plugin {
	return &Plugin{Handler: admission.NewHandler(admission.Create, admission.Update), config: config,
		gate: informersync.NewGate(PluginName, syncTimeout)}
}

// SetExternalKubeInformerFactory takes the namespace informer.
func (p *Plugin) SetExternalKubeInformerFactory(f kubeinformers.SharedInformerFactory) {
	namespaces := f.Core().V1().Namespaces()
	p.namespaces = namespaces.Lister()
	p.gate.Add("namespaces", namespaces.Informer().HasSynced)
}

// ValidateInitialization checks that the plugin got the namespace informer,
// which only a kube-apiserver provides, and this server's classes and client.
func (p *Plugin) ValidateInitialization() error {
	if p.namespaces == nil {
		return fmt.Errorf("%s needs the namespaces of a kube-apiserver (aggregated mode)", PluginName)
	}
	if p.classes == nil || p.crontabs == nil {
		return fmt.Errorf("%s needs the CronTabClass informer and the loopback client of this server", PluginName)
	}
	return nil
}

// Validate refuses a CronTab, or a Scale of one, that a write takes above
// the lower of its namespace's limit and its class's. As ResourceQuota does for usage, an update that does not raise
// replicas passes even when they are already above a limit lowered since:
// labels, finalizer removal and scaling down must keep working.
func (p *Plugin) Validate(ctx context.Context, a admission.Attributes, _ admission.ObjectInterfaces) error {
	if a.GetKind().GroupKind() != stable.Kind("CronTab") && a.GetResource().GroupResource() != stable.Resource("crontabs") {
		return nil
	}
	if a.GetSubresource() == "status" {
		return nil // status writes do not change replicas
	}
	replicas, ok := specReplicas(a.GetObject())
	if !ok {
		return nil
	}
	if a.GetOperation() == admission.Update {
		if oldReplicas, ok := specReplicas(a.GetOldObject()); ok && replicas <= oldReplicas {
			return nil
		}
	}
	if err := p.gate.Wait(ctx); err != nil {
		return err
	}
	limit, source, err := p.limit(a.GetNamespace())
	if err != nil {
		return admission.NewForbidden(a, err)
	}
	classLimit, classSource, err := p.classLimit(ctx, a)
	if err != nil {
		return admission.NewForbidden(a, err)
	}
	if classLimit != nil && (limit == nil || *classLimit < *limit) {
		limit, source = classLimit, classSource
	}
	if limit != nil && replicas > *limit {
		return admission.NewForbidden(a, fmt.Errorf("%s: spec.replicas %d exceeds the limit of %d set by %s", PluginName, replicas, *limit, source))
	}
	return nil
}

// specReplicas returns the desired replicas of a CronTab or of its Scale.
func specReplicas(obj runtime.Object) (int32, bool) {
	switch obj := obj.(type) {
	case *stable.CronTab:
		return obj.Spec.Replicas, true
	case *autoscalingv1.Scale:
		return obj.Spec.Replicas, true
	}
	return 0, false
}

// limit returns the namespace's limit, or the configured default.
func (p *Plugin) limit(namespace string) (*int32, string, error) {
	ns, err := p.namespaces.Get(namespace)
	if err != nil && !apierrors.IsNotFound(err) {
		return nil, "", fmt.Errorf("%s: reading namespace %q: %w", PluginName, namespace, err)
	}
	if ns != nil {
		if value, ok := ns.Annotations[MaxReplicasAnnotation]; ok {
			n, err := strconv.ParseInt(value, 10, 32)
			if err != nil || n < 0 {
				return nil, "", fmt.Errorf("%s: namespace %q has an invalid %s annotation %q (want a non-negative integer)",
					PluginName, namespace, MaxReplicasAnnotation, value)
			}
			limit := int32(n)
			return &limit, fmt.Sprintf("the %s annotation of namespace %q", MaxReplicasAnnotation, namespace), nil
		}
	}
	return p.config.DefaultMaxReplicas, PluginName + "'s defaultMaxReplicas", nil
}
