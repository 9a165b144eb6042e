package timeouthandler

import (
	"net/http"
	"time"

	"timeouthandler/thwrap"
)

func cross(mux *http.ServeMux) {
	mux.Handle("/x/", thwrap.WithTimeout(proxy))                               // want `^thwrap.WithTimeout \(thwrap.go:\d+\), an http.TimeoutHandler, buffers the whole response of proxy \(httputil.ReverseProxy, direct.go:17\).* longer than 30s`
	mux.Handle("/docker/", http.TimeoutHandler(thwrap.Proxy, time.Minute, "")) // want `buffers the whole response of thwrap.Proxy \(httputil.ReverseProxy, thwrap.go:\d+\)`
}
