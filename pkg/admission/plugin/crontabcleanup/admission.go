// Package crontabcleanup gives every new CronTab the cleanup finalizer of
// the CronTab controller, unless the CronTab or its namespace opts out.
package crontabcleanup

import (
	"context"
	"fmt"
	"io"
	"slices"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apiserver/pkg/admission"
	genericinitializer "k8s.io/apiserver/pkg/admission/initializer"
	kubeinformers "k8s.io/client-go/informers"
	corelisters "k8s.io/client-go/listers/core/v1"

	"github.com/example/extension-apiserver/pkg/admission/informersync"
	"github.com/example/extension-apiserver/pkg/apis/stable"
)

const (
	// PluginName is the name of the plugin in --enable-admission-plugins.
	PluginName = "CronTabCleanup"
	// Finalizer is the finalizer the CronTab controller removes after its cleanup.
	Finalizer = "stable.example.com/cleanup"
	// SkipAnnotation, set to "true" on a CronTab or on its namespace, opts out.
	SkipAnnotation = "stable.example.com/skip-cleanup"
)

// Register registers the plugin.
func Register(plugins *admission.Plugins) {
	plugins.Register(PluginName, func(io.Reader) (admission.Interface, error) {
		return New(informersync.DefaultTimeout), nil
	})
}

// Plugin is the CronTabCleanup mutating admission plugin.
type Plugin struct {
	*admission.Handler
	// namespaces is nil in standalone mode, where only the CronTab's own
	// annotation can opt out.
	namespaces corelisters.NamespaceLister
	gate       *informersync.Gate
}

var (
	_ admission.MutationInterface                         = &Plugin{}
	_ genericinitializer.WantsExternalKubeInformerFactory = &Plugin{}
)

// New returns the plugin; requests wait at most syncTimeout for the
// namespace informer.
func New(syncTimeout time.Duration) *Plugin {
	return &Plugin{Handler: admission.NewHandler(admission.Create), gate: informersync.NewGate(PluginName, syncTimeout)}
}

// SetExternalKubeInformerFactory takes the namespace informer (aggregated mode).
func (p *Plugin) SetExternalKubeInformerFactory(f kubeinformers.SharedInformerFactory) {
	namespaces := f.Core().V1().Namespaces()
	p.namespaces = namespaces.Lister()
	p.gate.Add("namespaces", namespaces.Informer().HasSynced)
}

// ValidateInitialization accepts a missing namespace informer: the
// plugin then honours only the CronTab's annotation.
func (p *Plugin) ValidateInitialization() error { return nil }

// Admit adds the finalizer to a new CronTab.
func (p *Plugin) Admit(ctx context.Context, a admission.Attributes, _ admission.ObjectInterfaces) error {
	if a.GetKind().GroupKind() != stable.Kind("CronTab") || a.GetSubresource() != "" {
		return nil
	}
	crontab, ok := a.GetObject().(*stable.CronTab)
	if !ok {
		return apierrors.NewBadRequest(fmt.Sprintf("%s: unexpected object %T", PluginName, a.GetObject()))
	}
	if crontab.Annotations[SkipAnnotation] == "true" || slices.Contains(crontab.Finalizers, Finalizer) {
		return nil
	}
	if p.namespaces != nil {
		if err := p.gate.Wait(ctx); err != nil {
			return err
		}
		ns, err := p.namespaces.Get(a.GetNamespace())
		switch {
		case err == nil && ns.Annotations[SkipAnnotation] == "true":
			return nil
		case err != nil && !apierrors.IsNotFound(err):
			return admission.NewForbidden(a, fmt.Errorf("%s: reading namespace %q: %w", PluginName, a.GetNamespace(), err))
		}
	}
	crontab.Finalizers = append(crontab.Finalizers, Finalizer)
	return nil
}
