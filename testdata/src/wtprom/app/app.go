package app

import (
	"net/http"
	"time"

	"wtprom/metrics"
)

// ok: a telemetry server whose metrics handler wraps the writer in
// delegators that forward Flush; nothing streams.
func telemetry() *http.Server {
	mux := http.NewServeMux()
	mux.Handle("/metrics", metrics.Handler())
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })
	return &http.Server{Handler: mux, ReadTimeout: time.Minute, WriteTimeout: time.Minute}
}
