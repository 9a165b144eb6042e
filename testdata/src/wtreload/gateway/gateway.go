// Package gateway proxies endpoints; its router is swapped atomically
// when the configuration reloads.
package gateway

import (
	"io"
	"net/http"
	"sync/atomic"

	"wtreload/router"
)

// Proxy forwards to the endpoints of its current router.
type Proxy struct {
	router atomic.Value
	client *http.Client
}

// New returns a proxy with no endpoints.
func New() (*Proxy, error) {
	p := &Proxy{client: http.DefaultClient}
	p.router.Store(router.New())
	return p, nil
}

func (p *Proxy) endpoint(target string) (http.Handler, io.Closer, error) {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		resp, err := p.client.Get(target)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		copyFunc := io.Copy
		copyFunc(w, resp.Body)
	}), nil, nil
}

// Update replaces the router with one for targets.
func (p *Proxy) Update(targets []string) error {
	r := router.New()
	for _, t := range targets {
		h, _, err := p.endpoint(t)
		if err != nil {
			return err
		}
		if err := r.Handle("/"+t+"/", h); err != nil {
			return err
		}
	}
	p.router.Swap(r)
	return nil
}

func (p *Proxy) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	p.router.Load().(router.Router).ServeHTTP(w, req)
}

// Status serves the names of the endpoints: a small JSON document.
type Status struct {
	current atomic.Pointer[http.ServeMux]
}

// NewStatus returns a status page.
func NewStatus() *Status {
	s := &Status{}
	m := http.NewServeMux()
	m.HandleFunc("/status", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, `{"ok":true}`) })
	s.current.Store(m)
	return s
}

func (s *Status) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.current.Load().ServeHTTP(w, r) }
