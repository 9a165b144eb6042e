package recovered // want package:"reaches httputil.ReverseProxy"

import (
	"net/http"
	"net/http/httputil"
	"net/url"

	"flags/opaque"
)

func recovered() http.Handler {
	p := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: "127.0.0.1:2375"})
	return opaque.Recoverer(p) // want `opaque.Recoverer`
}
