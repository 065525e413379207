package crontabreplicalimit

import (
	"fmt"
	"io"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/example/extension-apiserver/pkg/apis/stable/validation"
)

// The versioned kind of the plugin's configuration, given in an
// AdmissionConfiguration's plugins[].configuration or .path.
const (
	ConfigAPIVersion = "admission.stable.example.com/v1alpha1"
	ConfigKind       = "CronTabReplicaLimitConfiguration"
)

// Configuration is the plugin's configuration.
type Configuration struct {
	metav1.TypeMeta `json:",inline"`
	// DefaultMaxReplicas limits spec.replicas in namespaces without the
	// stable.example.com/max-replicas annotation. Unset: no default limit.
	DefaultMaxReplicas *int32 `json:"defaultMaxReplicas,omitempty"`
}

// LoadConfiguration reads a configuration; a nil reader (no configuration
// given) means no default limit. Unknown fields are refused.
func LoadConfiguration(r io.Reader) (*Configuration, error) {
	config := &Configuration{}
	if r == nil {
		return config, nil
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	if err := yaml.UnmarshalStrict(data, config); err != nil {
		return nil, fmt.Errorf("%s configuration: %w", PluginName, err)
	}
	if config.APIVersion != ConfigAPIVersion || config.Kind != ConfigKind {
		return nil, fmt.Errorf("%s configuration: apiVersion %q kind %q, want %s %s",
			PluginName, config.APIVersion, config.Kind, ConfigAPIVersion, ConfigKind)
	}
	if m := config.DefaultMaxReplicas; m != nil && (*m < validation.MinReplicas || *m > validation.MaxReplicas) {
		return nil, fmt.Errorf("%s configuration: defaultMaxReplicas %d must be between %d and %d",
			PluginName, *m, validation.MinReplicas, validation.MaxReplicas)
	}
	return config, nil
}
