// Package banflunder refuses Flunders whose name a Fischer disallows, on
// create and on update (sample-apiserver checks creates only).
package banflunder

import (
	"context"
	"fmt"
	"io"
	"slices"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apiserver/pkg/admission"

	"github.com/example/extension-apiserver/pkg/admission/informersync"
	"github.com/example/extension-apiserver/pkg/apis/wardle"
	informers "github.com/example/extension-apiserver/pkg/generated/informers/externalversions"
	listers "github.com/example/extension-apiserver/pkg/generated/listers/wardle/v1beta1"
)

// PluginName is the name of the plugin in --enable-admission-plugins.
const PluginName = "BanFlunder"

// Register registers the plugin.
func Register(plugins *admission.Plugins) {
	plugins.Register(PluginName, func(io.Reader) (admission.Interface, error) {
		return New(informersync.DefaultTimeout), nil
	})
}

// Plugin is the BanFlunder validating admission plugin.
type Plugin struct {
	*admission.Handler
	fischers listers.FischerLister
	gate     *informersync.Gate
}

var (
	_ admission.ValidationInterface     = &Plugin{}
	_ admission.InitializationValidator = &Plugin{}
)

// New returns the plugin; requests wait at most syncTimeout for the Fischer
// informer.
func New(syncTimeout time.Duration) *Plugin {
	return &Plugin{Handler: admission.NewHandler(admission.Create, admission.Update), gate: informersync.NewGate(PluginName, syncTimeout)}
}

// SetExtensionInformerFactory takes the Fischer informer.
func (p *Plugin) SetExtensionInformerFactory(f informers.SharedInformerFactory) {
	fischers := f.Wardle().V1beta1().Fischers()
	p.fischers = fischers.Lister()
	p.gate.Add("fischers", fischers.Informer().HasSynced)
}

// ValidateInitialization checks that the plugin got its informer.
func (p *Plugin) ValidateInitialization() error {
	if p.fischers == nil {
		return fmt.Errorf("%s needs the wardle.example.com informer factory", PluginName)
	}
	return nil
}

// Validate refuses a Flunder (403) whose name a Fischer disallows.
func (p *Plugin) Validate(ctx context.Context, a admission.Attributes, _ admission.ObjectInterfaces) error {
	if a.GetKind().GroupKind() != wardle.Kind("Flunder") || a.GetSubresource() != "" {
		return nil
	}
	name := a.GetName()
	if obj, err := meta.Accessor(a.GetObject()); err == nil && obj.GetName() != "" {
		name = obj.GetName()
	}
	if err := p.gate.Wait(ctx); err != nil {
		return err
	}
	fischers, err := p.fischers.List(labels.Everything())
	if err != nil {
		return admission.NewForbidden(a, fmt.Errorf("%s: listing Fischers: %w", PluginName, err))
	}
	for _, fischer := range fischers {
		if slices.Contains(fischer.DisallowedFlunders, name) {
			return admission.NewForbidden(a, fmt.Errorf("%s: the name %q is disallowed by Fischer %q", PluginName, name, fischer.Name))
		}
	}
	return nil
}
