package bench

import (
	"context"
)

// Wire is what reached this server during a phase, from its own metrics:
// how often a client (kube-apiserver, through the aggregator) opened a
// connection, and so a TLS handshake; the HTTP version of the requests; the
// size of the answers to gets.
type Wire struct {
	ConnectionsPer1000 float64 `json:"connections_per_1000_ops"`
	HTTP2Share         float64 `json:"http2_share"`
	BytesPerGet        float64 `json:"bytes_per_get,omitempty"`
}

type wireSample struct {
	connections, http1, http2, getBytes, gets float64
	// scrapedOverHTTP2 tells which protocol counter the scrape itself
	// added to.
	scrapedOverHTTP2 bool
}

// sampleWire scrapes the server's /metrics; ok is false when it cannot.
func sampleWire(ctx context.Context, s *ScaleServer) (wireSample, bool) {
	if s == nil {
		return wireSample{}, false
	}
	m, proto, err := scrapeWithProtocol(ctx, *s)
	if err != nil {
		return wireSample{}, false
	}
	gets := map[string]string{"verb": "GET", "resource": "crontabs"}
	return wireSample{
		connections: m.Sum("extension_apiserver_accepted_connections_total", nil),
		http1:       m.Sum("extension_apiserver_requests_by_protocol_total", map[string]string{"protocol": "HTTP/1"}),
		http2:       m.Sum("extension_apiserver_requests_by_protocol_total", map[string]string{"protocol": "HTTP/2"}),
		getBytes:    m.Sum("apiserver_response_sizes", gets),
		gets:        m.Count("apiserver_response_sizes", gets),

		scrapedOverHTTP2: proto >= 2,
	}, true
}

func (s wireSample) since(before wireSample, ops int) *Wire {
	if ops <= 0 {
		return nil
	}
	w := &Wire{ConnectionsPer1000: (s.connections - before.connections) * 1000 / float64(ops)}
	// The scrape that took this sample counted itself; the one before was
	// counted in before.
	http1, http2 := s.http1-before.http1, s.http2-before.http2
	if s.scrapedOverHTTP2 {
		http2--
	} else {
		http1--
	}
	if http1+http2 > 0 {
		w.HTTP2Share = http2 / (http1 + http2)
	}
	if gets := s.gets - before.gets; gets > 0 {
		w.BytesPerGet = (s.getBytes - before.getBytes) / gets
	}
	return w
}
