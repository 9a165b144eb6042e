package cmd

import (
	"net/http"
	"net/url"
	"time"

	"wtfactory/gw"
)

func gateway(target *url.URL) *http.Server {
	return &http.Server{
		Handler:      gw.NewGatewayHandler(target),
		WriteTimeout: time.Minute, // want `WriteTimeout \(1m0s\) cuts streaming responses of gw.NewGatewayHandler\(target\) \(httputil.ReverseProxy`
	}
}

// ok: the factory makes JSON answers only.
func status() *http.Server {
	return &http.Server{Handler: gw.NewStatusHandler(), WriteTimeout: time.Minute}
}
