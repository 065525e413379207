// Package promtext reads what a /metrics endpoint serves (Prometheus' text
// format) for the tests and the benchmark: the sum of a metric's series.
package promtext

import (
	"bytes"
	"fmt"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// Metrics are the metric families of one scrape.
type Metrics map[string]*dto.MetricFamily

// Parse reads one scrape.
func Parse(body []byte) (Metrics, error) {
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("parsing /metrics: %w", err)
	}
	return families, nil
}

// Sum adds the values of name's series whose labels hold every pair of
// labels (all series when labels is empty): counters and gauges by value,
// histograms and summaries by their sample sum. 0 when there are none.
func (m Metrics) Sum(name string, labels map[string]string) float64 {
	return m.add(name, labels, func(metric *dto.Metric) float64 {
		switch {
		case metric.Counter != nil:
			return metric.GetCounter().GetValue()
		case metric.Gauge != nil:
			return metric.GetGauge().GetValue()
		case metric.Untyped != nil:
			return metric.GetUntyped().GetValue()
		case metric.Histogram != nil:
			return metric.GetHistogram().GetSampleSum()
		default:
			return metric.GetSummary().GetSampleSum()
		}
	})
}

// Count adds the sample counts of name's histogram or summary series whose
// labels hold every pair of labels.
func (m Metrics) Count(name string, labels map[string]string) float64 {
	return m.add(name, labels, func(metric *dto.Metric) float64 {
		return float64(metric.GetHistogram().GetSampleCount() + metric.GetSummary().GetSampleCount())
	})
}

// add adds value of each of name's series whose labels hold labels.
func (m Metrics) add(name string, labels map[string]string, value func(*dto.Metric) float64) float64 {
	total := 0.0
	for _, metric := range m[name].GetMetric() {
		if holds(metric, labels) {
			total += value(metric)
		}
	}
	return total
}

func holds(metric *dto.Metric, labels map[string]string) bool {
	matched := 0
	for _, pair := range metric.GetLabel() {
		if want, ok := labels[pair.GetName()]; ok {
			if want != pair.GetValue() {
				return false
			}
			matched++
		}
	}
	return matched == len(labels)
}
