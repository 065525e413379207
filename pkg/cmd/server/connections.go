package server

import (
	"net"
	"net/http"

	"k8s.io/component-base/metrics"
	"k8s.io/component-base/metrics/legacyregistry"
)

// Connection churn between kube-apiserver's aggregator and this server does
// not show in the request metrics: every accepted connection costs a TLS
// handshake, and HTTP/1.1 takes a connection per concurrent request where
// HTTP/2 multiplexes them on one.
var (
	acceptedConnections = metrics.NewCounter(&metrics.CounterOpts{
		Name:           "extension_apiserver_accepted_connections_total",
		Help:           "Connections accepted on the secure port; each one costs a TLS handshake.",
		StabilityLevel: metrics.ALPHA,
	})
	requestsByProtocol = metrics.NewCounterVec(&metrics.CounterOpts{
		Name:           "extension_apiserver_requests_by_protocol_total",
		Help:           "Authenticated requests that reached the API handlers, by HTTP major version (HTTP/1, HTTP/2).",
		StabilityLevel: metrics.ALPHA,
	}, []string{"protocol"})
)

func init() {
	legacyregistry.MustRegister(acceptedConnections, requestsByProtocol)
}

// countingListener counts the connections a listener accepts.
type countingListener struct{ net.Listener }

func (l countingListener) Accept() (net.Conn, error) {
	conn, err := l.Listener.Accept()
	if err == nil {
		acceptedConnections.Inc()
	}
	return conn, err
}

// withProtocolCount counts the requests that reach handler by HTTP major
// version. The label has two values, so any client-sent version string
// cannot grow the series.
func withProtocolCount(handler http.Handler) http.Handler {
	http1, http2 := requestsByProtocol.WithLabelValues("HTTP/1"), requestsByProtocol.WithLabelValues("HTTP/2")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ProtoMajor >= 2 {
			http2.Inc()
		} else {
			http1.Inc()
		}
		handler.ServeHTTP(w, r)
	})
}
