package monitoring

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"
	"sigs.k8s.io/yaml"
)

// runbookAnchors are the sections of docs/operations.md the alerts link to.
var runbookAnchors = map[string]bool{
	"space-quota-and-the-nospace-alarm": true,
	"defragmentation":                   true,
	"backup":                            true,
	"restore":                           true,
	"what-to-watch":                     true,
}

var promql = parser.NewParser(parser.Options{})

// theRules returns the overlay's only PrometheusRule.
func theRules(t *testing.T) *monitoringv1.PrometheusRule {
	t.Helper()
	o := renderOverlay(t)
	if len(o.rules) != 1 {
		t.Fatalf("the overlay holds %d PrometheusRules; want 1", len(o.rules))
	}
	return o.rules[0]
}

// TestRulesParse parses every expression with PromQL's parser and the
// groups as Prometheus loads a rule file (rulefmt, which also parses the
// label and annotation templates), and checks each alert's labels and
// annotations.
func TestRulesParse(t *testing.T) {
	rules := theRules(t)
	for _, g := range rules.Spec.Groups {
		for _, r := range g.Rules {
			if _, err := promql.ParseExpr(r.Expr.String()); err != nil {
				t.Errorf("group %s, %s: %v", g.Name, r.Alert, err)
			}
			if r.Alert == "" {
				continue
			}
			if s := r.Labels["severity"]; s != "critical" && s != "warning" && s != "info" {
				t.Errorf("%s: severity %q; want critical, warning or info", r.Alert, s)
			}
			for _, key := range []string{"summary", "description", "runbook_url"} {
				if r.Annotations[key] == "" {
					t.Errorf("%s has no %s annotation", r.Alert, key)
				}
			}
			checkRunbook(t, r.Alert, r.Annotations["runbook_url"])
		}
	}

	// The operator writes spec.groups as the rule file Prometheus loads.
	file, err := yaml.Marshal(struct {
		Groups []monitoringv1.RuleGroup `json:"groups"`
	}{rules.Spec.Groups})
	if err != nil {
		t.Fatal(err)
	}
	if _, errs := rulefmt.Parse(file, false, model.LegacyValidation, promql, slog.New(slog.DiscardHandler)); len(errs) > 0 {
		t.Errorf("Prometheus refuses the rule file:\n%s\n%v", file, errs)
	}
}

// checkRunbook requires a link to one of the known sections and, once
// docs/operations.md exists, a heading there with that anchor.
func checkRunbook(t *testing.T, alert, url string) {
	t.Helper()
	_, anchor, ok := strings.Cut(url, "docs/operations.md#")
	if !ok || !runbookAnchors[anchor] {
		t.Errorf("%s: runbook_url %q is not docs/operations.md#<one of %v>", alert, url, runbookAnchors)
		return
	}
	page, err := os.ReadFile(filepath.Join("..", "..", "docs", "operations.md"))
	if err != nil {
		return // the page is written separately; the anchors above are its agreed sections
	}
	for line := range strings.SplitSeq(string(page), "\n") {
		if heading, ok := strings.CutPrefix(line, "#"); ok && githubAnchor(strings.TrimLeft(heading, "# ")) == anchor {
			return
		}
	}
	t.Errorf("%s: docs/operations.md has no heading with the anchor #%s", alert, anchor)
}

var notInAnchor = regexp.MustCompile(`[^\p{L}\p{N}_ -]`)

// githubAnchor is the anchor GitHub gives a heading.
func githubAnchor(heading string) string {
	return strings.ReplaceAll(notInAnchor.ReplaceAllString(strings.ToLower(strings.TrimSpace(heading)), ""), " ", "-")
}

// selected is what one metric's selectors ask of it: the label names of
// their matchers, the values their equality matchers want, and the alerts
// that use it.
type selected struct {
	labels map[string]bool
	equals map[[2]string]bool
	alerts map[string]bool
}

// selectedMetrics walks every expression's AST and returns the metric name
// of each vector and range selector. A selector without a plain name would
// escape TestRuleMetricsAreExported, so it fails here.
func selectedMetrics(t *testing.T, rules *monitoringv1.PrometheusRule) map[string]*selected {
	t.Helper()
	metrics := map[string]*selected{}
	for _, g := range rules.Spec.Groups {
		for _, r := range g.Rules {
			expr, err := promql.ParseExpr(r.Expr.String())
			if err != nil {
				t.Fatalf("%s: %v", r.Alert, err)
			}
			parser.Inspect(expr, func(node parser.Node, _ []parser.Node) error {
				var vs *parser.VectorSelector
				switch n := node.(type) {
				case *parser.VectorSelector:
					vs = n
				case *parser.MatrixSelector:
					vs, _ = n.VectorSelector.(*parser.VectorSelector)
				}
				if vs == nil {
					return nil
				}
				if vs.Name == "" {
					t.Errorf("%s: selector %s names no metric", r.Alert, vs)
					return nil
				}
				s := metrics[vs.Name]
				if s == nil {
					s = &selected{labels: map[string]bool{}, equals: map[[2]string]bool{}, alerts: map[string]bool{}}
					metrics[vs.Name] = s
				}
				s.alerts[r.Alert] = true
				for _, m := range vs.LabelMatchers {
					if m.Name == model.MetricNameLabel {
						continue
					}
					s.labels[m.Name] = true
					if m.Type == labels.MatchEqual {
						s.equals[[2]string{m.Name, m.Value}] = true
					}
				}
				return nil
			})
		}
	}
	return metrics
}

func (s *selected) String() string {
	return fmt.Sprintf("used by %s", strings.Join(sortedKeys(s.alerts), ", "))
}
