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
	// reason (auth, policy, bad_path).
	Denied *prometheus.CounterVec
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
	m.reg.MustRegister(m.Requests, m.Bytes, m.Aborts, m.Active, m.Denied, m.Duration,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}
