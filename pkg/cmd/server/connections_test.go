package server

import (
	"crypto/tls"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"k8s.io/component-base/metrics/testutil"
)

// TestConnectionAndProtocolCounts serves over TLS with HTTP/2 offered, as
// the server does, and checks the counters against what two clients did:
// an HTTP/2 one multiplexing three requests on one connection, and an
// HTTP/1.1 one sending two on its own connection.
func TestConnectionAndProtocolCounts(t *testing.T) {
	srv := httptest.NewUnstartedServer(withProtocolCount(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, r.Proto)
	})))
	srv.Listener = countingListener{srv.Listener}
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()

	read := func() (connections, http1, http2 float64) {
		var err error
		if connections, err = testutil.GetCounterMetricValue(acceptedConnections); err != nil {
			t.Fatal(err)
		}
		if http1, err = testutil.GetCounterMetricValue(requestsByProtocol.WithLabelValues("HTTP/1")); err != nil {
			t.Fatal(err)
		}
		if http2, err = testutil.GetCounterMetricValue(requestsByProtocol.WithLabelValues("HTTP/2")); err != nil {
			t.Fatal(err)
		}
		return connections, http1, http2
	}
	connections0, http10, http20 := read()

	get := func(client *http.Client, wantProto string) {
		t.Helper()
		resp, err := client.Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(body) != wantProto {
			t.Fatalf("served over %s, want %s", body, wantProto)
		}
	}
	h2 := srv.Client()
	for range 3 {
		get(h2, "HTTP/2.0")
	}
	h1TLS := h2.Transport.(*http.Transport).TLSClientConfig.Clone()
	h1TLS.NextProtos = []string{"http/1.1"}
	h1 := &http.Client{Transport: &http.Transport{TLSClientConfig: h1TLS,
		TLSNextProto: map[string]func(string, *tls.Conn) http.RoundTripper{}}} // no HTTP/2
	for range 2 {
		get(h1, "HTTP/1.1")
	}

	connections, http1, http2 := read()
	if got := connections - connections0; got != 2 {
		t.Errorf("%.0f connections counted, want 2 (one per client)", got)
	}
	if got := http2 - http20; got != 3 {
		t.Errorf("%.0f HTTP/2 requests counted, want 3", got)
	}
	if got := http1 - http10; got != 2 {
		t.Errorf("%.0f HTTP/1 requests counted, want 2", got)
	}
}
