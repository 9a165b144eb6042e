// want package:"sets 2 numeric fields"

// Package serve serves the files of a directory on the library's server.
package serve

import (
	"context"
	"io"
	"net/http"
	"os"

	"wtinst/libhttp"
)

// Options configures the command.
type Options struct {
	HTTP libhttp.Config
}

// DefaultOpt are the defaults.
var DefaultOpt = Options{HTTP: libhttp.DefaultCfg()}

// HTTP serves files.
type HTTP struct {
	server *libhttp.Server
	root   string
}

// Run serves the directory.
func Run(ctx context.Context, opt Options) (*HTTP, error) {
	s := &HTTP{root: "/srv"}
	var err error
	s.server, err = libhttp.NewServer(ctx, libhttp.WithConfig(opt.HTTP)) // want `NewServer serves the routes registered on s.server \(io.Copy of f into the ResponseWriter, serve.go:\d+\) on a server whose WriteTimeout \(s.cfg.ServerWriteTimeout, server.go:\d+\) cuts streaming responses`
	if err != nil {
		return nil, err
	}
	router := s.server.Router()
	router.HandleFunc("/", s.handler)
	s.server.Serve()
	return s, nil
}

func (s *HTTP) handler(w http.ResponseWriter, r *http.Request) {
	f, err := os.Open(s.root + r.URL.Path)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	io.Copy(w, f)
}
