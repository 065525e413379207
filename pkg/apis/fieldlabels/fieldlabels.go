// Package fieldlabels maps the field selectors a version accepts to the hub
// field names the registry selects on, and refuses the others with a
// message that names the supported ones.
package fieldlabels

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var (
	selectableMu sync.RWMutex
	selectable   = map[schema.GroupVersionKind][]string{}
)

// Selectable returns the field labels beyond metadata a kind accepts in a
// version, sorted, as registered with Register: what kube-apiserver
// publishes for a CRD as x-kubernetes-selectable-fields.
func Selectable(gvk schema.GroupVersionKind) []string {
	selectableMu.RLock()
	defer selectableMu.RUnlock()
	return selectable[gvk]
}

// Register adds the field label conversion of kind in one version: labels
// maps each field label of that version to its hub name. metadata.name, and
// metadata.namespace for namespaced kinds, are always supported.
func Register(scheme *runtime.Scheme, gvk schema.GroupVersionKind, namespaced bool, labels map[string]string) error {
	var own []string
	for label := range labels {
		own = append(own, label)
	}
	sort.Strings(own)
	selectableMu.Lock()
	selectable[gvk] = own
	selectableMu.Unlock()

	supported := map[string]string{"metadata.name": "metadata.name"}
	if namespaced {
		supported["metadata.namespace"] = "metadata.namespace"
	}
	for label, hub := range labels {
		supported[label] = hub
	}
	names := make([]string, 0, len(supported))
	for label := range supported {
		names = append(names, label)
	}
	sort.Strings(names)
	return scheme.AddFieldLabelConversionFunc(gvk, func(label, value string) (string, string, error) {
		if hub, ok := supported[label]; ok {
			return hub, value, nil
		}
		return "", "", fmt.Errorf("field label %q is not supported for %s %s; supported: %s",
			label, gvk.GroupVersion(), gvk.Kind, strings.Join(names, ", "))
	})
}
