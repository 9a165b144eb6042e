// Package gw makes, per request, a proxy to a backend or a JSON answer.
package gw

import (
	"encoding/json"
	"net/http"
	"net/http/httputil"
	"net/url"

	"wtfactory/handler"
)

type GearHandler struct{ target *url.URL }

func (h *GearHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	httputil.NewSingleHostReverseProxy(h.target).ServeHTTP(w, r)
}

type GearFactory struct{ target *url.URL }

func (f *GearFactory) NewHandler(r *http.Request) http.Handler {
	return &GearHandler{f.target}
}

type StatusFactory struct{}

func (StatusFactory) NewHandler(r *http.Request) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]bool{"ok": true})
	})
}

type GatewayFactory struct{ target *url.URL }

func (f *GatewayFactory) NewHandler(r *http.Request) http.Handler {
	var factory handler.Factory
	if r.URL.Path != "/status" {
		factory = &GearFactory{f.target}
	} else {
		factory = StatusFactory{}
	}
	return factory.NewHandler(r)
}

func NewGatewayHandler(target *url.URL) http.Handler {
	return handler.FactoryToHandler(&GatewayFactory{target})
}

func NewStatusHandler() http.Handler {
	return handler.FactoryToHandler(StatusFactory{})
}
