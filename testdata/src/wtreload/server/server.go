// want package:"sets 1 numeric fields"

// Package server serves a gateway's handler behind cleartext HTTP/2, with
// timeouts an environment variable may change.
package server

import (
	"net/http"
	"os"
	"time"

	"wtreload/h2"
)

var writeTimeout = 15 * time.Second

func init() {
	if v := os.Getenv("PROXY_WRITE_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			panic(err)
		}
		writeTimeout = d
	}
}

// ProxyServer is the gateway's server.
type ProxyServer struct{ *http.Server }

// NewProxy serves handler on addr.
func NewProxy(handler http.Handler, addr string) *ProxyServer { // want NewProxy:"serves arg0 with WriteTimeout writeTimeout"
	return &ProxyServer{Server: &http.Server{
		Addr:              addr,
		Handler:           h2.NewHandler(handler, &h2.Server{MaxStreams: 100}),
		ReadHeaderTimeout: 10 * time.Second,
		WriteTimeout:      writeTimeout,
	}}
}
