// Package monitoring checks artifacts/deploy/monitoring against the
// Prometheus Operator's Go types and Prometheus's own rule parser, and that
// every metric its alerts use is one the real server and etcd export. It is
// a module of its own so that Prometheus's requirements never move the
// server's dependencies.
package monitoring

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os/exec"
	"path/filepath"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// overlay is what the overlay's monitoring.coreos.com objects decode into.
type overlay struct {
	serviceMonitors []*monitoringv1.ServiceMonitor
	rules           []*monitoringv1.PrometheusRule
}

// renderOverlay builds the overlay with kubectl, as `kubectl apply -k`
// would, and decodes every monitoring.coreos.com object strictly: an
// unknown or misspelt field, or a kind this test does not know, fails.
func renderOverlay(t *testing.T) overlay {
	t.Helper()
	built, err := exec.Command("kubectl", "kustomize", filepath.Join("..", "..", "artifacts", "deploy", "monitoring")).Output()
	if err != nil {
		t.Fatalf("kubectl kustomize: %v", err)
	}
	var o overlay
	reader := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(built)))
	for {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		var head struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
			Metadata   struct {
				Name string `json:"name"`
			} `json:"metadata"`
		}
		if err := yaml.Unmarshal(doc, &head); err != nil {
			t.Fatal(err)
		}
		if head.APIVersion != monitoringv1.SchemeGroupVersion.String() {
			continue
		}
		var into any
		switch head.Kind {
		case monitoringv1.ServiceMonitorsKind:
			sm := &monitoringv1.ServiceMonitor{}
			o.serviceMonitors = append(o.serviceMonitors, sm)
			into = sm
		case monitoringv1.PrometheusRuleKind:
			rule := &monitoringv1.PrometheusRule{}
			o.rules = append(o.rules, rule)
			into = rule
		default:
			t.Errorf("%s %s: a monitoring.coreos.com kind this test does not know", head.Kind, head.Metadata.Name)
			continue
		}
		if err := decodeStrictly(doc, into); err != nil {
			t.Errorf("%s %s does not decode strictly into the operator's type: %v", head.Kind, head.Metadata.Name, err)
		}
	}
	return o
}

// decodeStrictly refuses unknown fields. yaml.UnmarshalStrict matches field
// names as encoding/json does, ignoring case (servername would pass for
// serverName), so the JSON is decoded again case-sensitively, as
// kube-apiserver's strict field validation does.
func decodeStrictly(doc []byte, into any) error {
	if err := yaml.UnmarshalStrict(doc, into); err != nil {
		return err
	}
	j, err := yaml.YAMLToJSON(doc)
	if err != nil {
		return err
	}
	strictErrs, err := kjson.UnmarshalStrict(j, into)
	if err != nil {
		return err
	}
	return errors.Join(strictErrs...)
}

// TestMonitoringObjectsDecodeStrictly builds the overlay and decodes its
// ServiceMonitors and PrometheusRule into the operator's v1 types.
func TestMonitoringObjectsDecodeStrictly(t *testing.T) {
	o := renderOverlay(t)
	if len(o.serviceMonitors) != 2 || len(o.rules) != 1 {
		t.Errorf("the overlay holds %d ServiceMonitors and %d PrometheusRules; want 2 and 1", len(o.serviceMonitors), len(o.rules))
	}
	for _, sm := range o.serviceMonitors {
		for i, ep := range sm.Spec.Endpoints {
			if err := ep.Validate(); err != nil {
				t.Errorf("ServiceMonitor %s endpoint %d: %v", sm.Name, i, err)
			}
		}
	}
}
