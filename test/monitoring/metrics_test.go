package monitoring

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// kubeStateMetrics is the version whose source is searched for the
// CronJob metric; the cluster's kube-state-metrics exports the same name.
const kubeStateMetrics = "k8s.io/kube-state-metrics/v2@v2.20.0"

const cronJobMetric = "kube_cronjob_status_last_successful_time"

// targetLabels are set by Prometheus and the operator on every scraped
// series, not by the components.
var targetLabels = []string{"job", "instance", "namespace", "pod", "service", "endpoint", "container"}

// TestRuleMetricsAreExported starts the real etcd and server, makes
// requests so that request metrics exist, and checks that every metric the
// alerts select, and every label their selectors match on, is in what the
// two export. up is Prometheus's own; the CronJob metric is kube-state-
// metrics', looked up in its source.
func TestRuleMetricsAreExported(t *testing.T) {
	etcdBin, serverBin := etcdBinary(t), serverBinary(t)
	wanted := selectedMetrics(t, theRules(t))
	if s := wanted[cronJobMetric]; s != nil {
		checkKubeStateMetricsSource(t, s)
	}

	etcdURL, etcdMetricsURL := startEtcd(t, etcdBin)
	serverURL, client := startServer(t, serverBin, etcdURL)
	for range 3 {
		if err := expectOK(client, serverURL+"/apis/stable.example.com/v1/namespaces/default/crontabs"); err != nil {
			t.Fatal(err)
		}
	}

	// Gauges such as the storage migration's appear a moment after
	// readiness; wait until all are there or the minute is over.
	sources := []struct {
		name, url string
		client    *http.Client
	}{{"the server", serverURL + "/metrics", client}, {"etcd", etcdMetricsURL + "/metrics", http.DefaultClient}}
	type export struct {
		source string
		labels map[string]map[string]bool
	}
	found := map[string]export{}
	var missing []string
	deadline := time.Now().Add(time.Minute)
	for {
		clear(found)
		for _, source := range sources {
			body, err := get(source.client, source.url)
			if err != nil {
				t.Fatal(err)
			}
			parser := expfmt.NewTextParser(model.UTF8Validation)
			families, err := parser.TextToMetricFamilies(bytes.NewReader(body))
			if err != nil {
				t.Fatalf("parsing %s's metrics: %v", source.name, err)
			}
			for name := range wanted {
				if labels := exportedLabels(families, name); labels != nil {
					found[name] = export{source.name, labels}
				}
			}
		}
		missing = missing[:0]
		for _, name := range sortedKeys(wanted) {
			if _, ok := found[name]; !ok && name != "up" && name != cronJobMetric {
				missing = append(missing, name)
			}
		}
		if len(missing) == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Second) // the poll interval
	}
	for _, name := range sortedKeys(found) {
		t.Logf("%s: exported by %s", name, found[name].source)
		for label := range wanted[name].labels {
			if found[name].labels[label] == nil && !slices.Contains(targetLabels, label) {
				t.Errorf("%s, %s, has no label %q in %s's metrics", name, wanted[name], label, found[name].source)
			}
		}
		for pair := range wanted[name].equals {
			if !found[name].labels[pair[0]][pair[1]] && !slices.Contains(targetLabels, pair[0]) {
				t.Errorf("%s, %s, has no series with %s=%q in %s's metrics", name, wanted[name], pair[0], pair[1], found[name].source)
			}
		}
	}
	if wanted["up"] != nil {
		t.Logf("up: written by Prometheus for each target it scrapes")
	}
	for _, name := range missing {
		t.Errorf("%s, %s, is exported by neither the server nor etcd", name, wanted[name])
	}
}

// exportedLabels returns the label names of a metric's series, each with
// the values seen, or nil if none is exported. A histogram's _bucket, _sum and _count series are in
// the family of its base name.
func exportedLabels(families map[string]*dto.MetricFamily, name string) map[string]map[string]bool {
	family, extra := families[name], ""
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		base, ok := strings.CutSuffix(name, suffix)
		if f := families[base]; family == nil && ok && f != nil {
			histogram := f.GetType() == dto.MetricType_HISTOGRAM || f.GetType() == dto.MetricType_GAUGE_HISTOGRAM
			if histogram || (f.GetType() == dto.MetricType_SUMMARY && suffix != "_bucket") {
				family = f
				if suffix == "_bucket" {
					extra = "le"
				}
			}
		}
	}
	if family == nil || len(family.GetMetric()) == 0 {
		return nil
	}
	labels := map[string]map[string]bool{}
	if extra != "" {
		labels[extra] = map[string]bool{}
	}
	for _, m := range family.GetMetric() {
		for _, l := range m.GetLabel() {
			if labels[l.GetName()] == nil {
				labels[l.GetName()] = map[string]bool{}
			}
			labels[l.GetName()][l.GetValue()] = true
		}
	}
	return labels
}

// checkKubeStateMetricsSource finds the CronJob metric's name and the
// labels the alerts match on in kube-state-metrics' CronJob store.
func checkKubeStateMetricsSource(t *testing.T, s *selected) {
	t.Helper()
	// Outside this module, so that the download leaves go.sum alone.
	cmd := exec.Command("go", "mod", "download", "-json", kubeStateMetrics)
	cmd.Dir = t.TempDir()
	out, err := cmd.Output()
	var module struct{ Dir, Error string }
	if jsonErr := json.Unmarshal(out, &module); err != nil || jsonErr != nil || module.Error != "" {
		t.Fatalf("go mod download %s: %v %v %s", kubeStateMetrics, err, jsonErr, module.Error)
	}
	source, err := os.ReadFile(filepath.Join(module.Dir, "internal", "store", "cronjob.go"))
	if err != nil {
		t.Fatal(err)
	}
	found := true
	for _, want := range append([]string{cronJobMetric}, sortedKeys(s.labels)...) {
		if !strings.Contains(string(source), fmt.Sprintf("%q", want)) {
			t.Errorf("%s's internal/store/cronjob.go has no %q (%s)", kubeStateMetrics, want, s)
			found = false
		}
	}
	if found {
		t.Logf("%s and its labels %v: found in %s internal/store/cronjob.go", cronJobMetric, sortedKeys(s.labels), kubeStateMetrics)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
