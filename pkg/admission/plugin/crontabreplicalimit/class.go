package crontabreplicalimit

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/client-go/metadata"

	"github.com/example/extension-apiserver/pkg/apis/stable"
	stablev1 "github.com/example/extension-apiserver/pkg/apis/stable/v1"
	informers "github.com/example/extension-apiserver/pkg/generated/informers/externalversions"
)

// SetExtensionInformerFactory takes the CronTabClass informer: classes are
// few and cluster-wide, so every replica keeps them all.
func (p *Plugin) SetExtensionInformerFactory(f informers.SharedInformerFactory) {
	classes := f.Stable().V1().CronTabClasses()
	p.classes = classes.Lister()
	p.gate.Add("crontabclasses", classes.Informer().HasSynced)
}

// SetLoopbackMetadataClient takes the client that reads a CronTab's labels
// when a Scale, which has none, raises its replicas. CronTabs are not
// cached here: a second copy of every CronTab would cost more memory than
// one read per scale-up.
func (p *Plugin) SetLoopbackMetadataClient(client metadata.Interface) {
	p.crontabs = client.Resource(stablev1.SchemeGroupVersion.WithResource("crontabs"))
}

// classLimit returns the limit of the class the CronTab's ClassLabel names,
// or nil when it names none. A label naming a missing class is refused:
// a misspelt class must not mean no limit.
func (p *Plugin) classLimit(ctx context.Context, a admission.Attributes) (*int32, string, error) {
	labels, err := p.crontabLabels(ctx, a)
	if err != nil {
		return nil, "", err
	}
	name, ok := labels[stable.ClassLabel]
	if !ok {
		return nil, "", nil
	}
	class, err := p.classes.Get(name)
	if apierrors.IsNotFound(err) {
		return nil, "", fmt.Errorf("%s: the %s label names the CronTabClass %q, which does not exist", PluginName, stable.ClassLabel, name)
	}
	if err != nil {
		return nil, "", fmt.Errorf("%s: reading CronTabClass %q: %w", PluginName, name, err)
	}
	// The server defaults maxReplicas; a class read without it sets no limit.
	if class.Spec.MaxReplicas == nil {
		return nil, "", nil
	}
	return class.Spec.MaxReplicas, fmt.Sprintf("CronTabClass %q", name), nil
}

// crontabLabels returns the labels of the CronTab being written; a write
// through /scale carries a Scale, so they are read from the server.
func (p *Plugin) crontabLabels(ctx context.Context, a admission.Attributes) (map[string]string, error) {
	if crontab, ok := a.GetObject().(*stable.CronTab); ok {
		return crontab.Labels, nil
	}
	current, err := p.crontabs.Namespace(a.GetNamespace()).Get(ctx, a.GetName(), metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("%s: reading the labels of CronTab %s/%s: %w", PluginName, a.GetNamespace(), a.GetName(), err)
	}
	return current.Labels, nil
}
