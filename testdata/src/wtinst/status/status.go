// want package:"sets 2 numeric fields"

// Package status serves a health page on the library's server.
package status

import (
	"context"
	"net/http"

	"wtinst/libhttp"
)

// Run serves the page: one short answer, nothing streams.
func Run(ctx context.Context) error {
	srv, err := libhttp.NewServer(ctx, libhttp.WithConfig(libhttp.DefaultCfg())) // ok: only a short page
	if err != nil {
		return err
	}
	srv.Router().HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })
	srv.Serve()
	return nil
}
