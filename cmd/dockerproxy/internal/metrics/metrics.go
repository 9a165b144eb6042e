// Package metrics holds the proxy's Prometheus collectors.
//
// Hot paths never look labels up: the per-class and per-cause children are
// resolved once, when the proxy starts.
package metrics

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics is the set of collectors the proxy updates.
type Metrics struct {
	reg *prometheus.Registry

	// Requests counts finished requests by stream class and status code;
	// the code is "aborted" when the response was cut.
	Requests *prometheus.CounterVec
	// Bytes counts body bytes by direction: "in" from clients to the
	// daemon, "out" from the daemon to clients.
	Bytes *prometheus.CounterVec
	// Aborts counts cut requests by streamsafe.Record.Reason: client_gone,
	// stopped (shutdown), idle, max_duration, write, read, upstream, panic,
	// aborted.
	Aborts *prometheus.CounterVec
	// Active is the number of requests in flight by stream class,
	// including upgraded connections.
	Active *prometheus.GaugeVec
	// Denied counts requests refused before reaching the daemon, by
	// reason: auth, policy, bad_path, host, origin, and the limits
	// connections, client_connections (per connection), streams and
	// client_streams (per request).
	Denied *prometheus.CounterVec
	// Connections is the number of client connections open (hijacked
	// ones included, refused ones until they close).
	Connections prometheus.Gauge
	// AcceptErrors counts failed accepts (too many open files, ...).
	AcceptErrors prometheus.Counter
	// HandshakeFailures counts failed TLS handshakes (no or a wrong
	// client certificate, plain HTTP to the TLS port, scanners).
	HandshakeFailures prometheus.Counter
	// CertExpiry is the number of seconds until a certificate expires, by
	// cert: "server" (the serving certificate) or "client_ca" (the first
	// client CA certificate to expire).
	CertExpiry *prometheus.GaugeVec
	// Duration observes how long finished requests took, by stream class;
	// idle-class streams last as long as their client keeps them open.
	Duration *prometheus.HistogramVec
}

// New registers the collectors, plus the Go and process collectors, in a
// fresh registry.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		Requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dockerproxy_requests_total",
			Help: "Finished requests by stream class and status code (\"aborted\" when cut).",
		}, []string{"class", "code"}),
		Bytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dockerproxy_body_bytes_total",
			Help: "Body bytes proxied, by direction (in: client to daemon, out: daemon to client).",
		}, []string{"direction"}),
		Aborts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dockerproxy_aborts_total",
			Help: "Requests cut before their end, by cause.",
		}, []string{"cause"}),
		Active: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "dockerproxy_active_streams",
			Help: "Requests and upgraded connections in flight, by stream class.",
		}, []string{"class"}),
		Denied: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "dockerproxy_denied_total",
			Help: "Requests refused before reaching the daemon, by reason.",
		}, []string{"reason"}),
		Duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "dockerproxy_request_duration_seconds",
			Help: "Duration of finished requests, by stream class.",
			// From a ping to an hours-long event stream.
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600, 14400},
		}, []string{"class"}),
	}
	m.Connections = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "dockerproxy_connections",
		Help: "Client connections open.",
	})
	m.AcceptErrors = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "dockerproxy_accept_errors_total",
		Help: "Failed accepts of client connections (e.g. too many open files).",
	})
	m.HandshakeFailures = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "dockerproxy_tls_handshake_failures_total",
		Help: "Failed TLS handshakes with clients.",
	})
	m.CertExpiry = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "dockerproxy_cert_expiry_seconds",
		Help: "Seconds until a certificate expires: server (the serving certificate), client_ca (the first client CA certificate to expire).",
	}, []string{"cert"})
	m.reg.MustRegister(m.Requests, m.Bytes, m.Aborts, m.Active, m.Denied, m.Duration,
		m.Connections, m.AcceptErrors, m.HandshakeFailures, m.CertExpiry,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}
