package query // want package:"serves streams with 1 timeouts from unset fields"

// The query API of a program, from options its extension decodes from
// the user's configuration: nothing in view gives the server's
// WriteTimeout a value (the library's default constructor, which would,
// is never called), so there is no deadline here; a main package that
// sets the field is reported where it does.

import (
	"net/http"
	"net/http/httputil"
	"net/url"

	"wtknob/confighttp"
)

type Options struct {
	HTTP     confighttp.ServerConfig
	BasePath string
}

func DefaultOptions() Options {
	return Options{HTTP: confighttp.ServerConfig{Endpoint: ":16686"}}
}

func NewServer(opts *Options, backend *url.URL) *http.Server {
	return createHTTPServer(opts, backend)
}

func createHTTPServer(opts *Options, backend *url.URL) *http.Server {
	mux := http.NewServeMux()
	mux.Handle("/api/", httputil.NewSingleHostReverseProxy(backend))
	return opts.HTTP.ToServer(mux) // ok: WriteTimeout is never set in the program
}
