package promtext

import "testing"

const scrape = `# HELP apiserver_storage_consistency_checks_total Counter for status of consistency checks
# TYPE apiserver_storage_consistency_checks_total counter
apiserver_storage_consistency_checks_total{group="stable.example.com",resource="crontabs",status="success"} 3
apiserver_storage_consistency_checks_total{group="stable.example.com",resource="crontabs",status="failure"} 1
apiserver_storage_consistency_checks_total{group="wardle.example.com",resource="flunders",status="success"} 5
# HELP apiserver_request_duration_seconds Response latency
# TYPE apiserver_request_duration_seconds histogram
apiserver_request_duration_seconds_bucket{verb="GET",le="+Inf"} 2
apiserver_request_duration_seconds_sum{verb="GET"} 0.25
apiserver_request_duration_seconds_count{verb="GET"} 2
`

func TestSum(t *testing.T) {
	m, err := Parse([]byte(scrape))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"apiserver_storage_consistency_checks_total", nil, 9},
		{"apiserver_storage_consistency_checks_total", map[string]string{"resource": "crontabs"}, 4},
		{"apiserver_storage_consistency_checks_total", map[string]string{"resource": "crontabs", "status": "failure"}, 1},
		{"apiserver_storage_consistency_checks_total", map[string]string{"no_such_label": "x"}, 0},
		{"apiserver_request_duration_seconds", map[string]string{"verb": "GET"}, 0.25},
		{"absent", nil, 0},
	} {
		if got := m.Sum(c.name, c.labels); got != c.want {
			t.Errorf("Sum(%s, %v) = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	if got := m.Count("apiserver_request_duration_seconds", map[string]string{"verb": "GET"}); got != 2 {
		t.Errorf("Count = %v, want 2", got)
	}
	if _, err := Parse([]byte("not { a metric")); err == nil {
		t.Error("garbage parsed")
	}
}
