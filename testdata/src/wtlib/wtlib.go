// Package wtlib builds handlers for servers in other packages: the
// writetimeout check must see through it with facts.
package wtlib

import (
	"encoding/json"
	"net/http"
	"net/http/httputil"
	"net/url"
	"time"
)

var upstream = &url.URL{Scheme: "http", Host: "127.0.0.1:2375"}

// DefaultProxy is a package-level streaming handler.
var DefaultProxy = httputil.NewSingleHostReverseProxy(upstream) // want DefaultProxy:"streams writes\\+reads: httputil.ReverseProxy"

// NewRouter returns a mux that routes to a ReverseProxy.
func NewRouter() http.Handler { // want NewRouter:"streams writes\\+reads: httputil.ReverseProxy"
	mux := http.NewServeMux()
	mux.Handle("/v1.41/", httputil.NewSingleHostReverseProxy(upstream))
	mux.HandleFunc("/_ping", ping)
	return mux
}

// NewAPI returns a mux of short JSON handlers.
func NewAPI() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/_ping", ping)
	return mux
}

func ping(w http.ResponseWriter, r *http.Request) {
	json.NewEncoder(w).Encode(map[string]string{"ok": "true"})
}

// Gateway streams: its ServeHTTP serves a proxy.
type Gateway struct {
	proxy *httputil.ReverseProxy // want proxy:"streams writes\\+reads: httputil.ReverseProxy"
}

func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) { // want ServeHTTP:"streams writes\\+reads: httputil.ReverseProxy"
	if g.proxy == nil {
		g.proxy = httputil.NewSingleHostReverseProxy(upstream)
	}
	g.proxy.ServeHTTP(w, r)
}

// Logging is middleware that passes the handler through.
func Logging(next http.Handler) http.Handler { // want Logging:"passes arg0"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r)
	})
}

// Recorder wraps a handler held in a field.
type Recorder struct {
	Next http.Handler
}

func (rec *Recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) { // want ServeHTTP:"passes Next"
	rec.Next.ServeHTTP(w, r)
}

// Front is built with functional options and routes each host to its
// own front door, as single-sign-on proxies do: the handler set by an
// option is stored in a field by a closure, and the router is built in a
// loop. Front serves what its embedded Handler holds.
type Front struct {
	http.Handler // want Handler:"streams writes\\+reads: httputil.ReverseProxy"
}

type door struct {
	upstream http.Handler // want upstream:"streams writes\\+reads: httputil.ReverseProxy"
}

// WithUpstream is a functional option: the closure it returns stores h.
func WithUpstream(h http.Handler) func(*door) error {
	return func(d *door) error {
		d.upstream = h
		return nil
	}
}

func newDoor(opts ...func(*door) error) (*door, error) {
	d := &door{}
	for _, o := range opts {
		if err := o(d); err != nil {
			return nil, err
		}
	}
	return d, nil
}

func (d *door) forward(w http.ResponseWriter, r *http.Request) { // want forward:"streams writes\\+reads: httputil.ReverseProxy"
	d.upstream.ServeHTTP(w, r)
}

func (d *door) routes() http.Handler { // want routes:"streams writes\\+reads: httputil.ReverseProxy"
	mux := http.NewServeMux()
	mux.HandleFunc("/_ping", ping)
	mux.HandleFunc("/", d.forward)
	return mux
}

func newUpstream(u *url.URL) (http.Handler, error) { // want newUpstream:"streams writes\\+reads: httputil.ReverseProxy"
	if u.Host == "" {
		return nil, http.ErrMissingFile
	}
	return httputil.NewSingleHostReverseProxy(u), nil
}

// NewFront returns a front that proxies each host to its upstream.
func NewFront(upstreams map[string]*url.URL) (*Front, error) { // want NewFront:"streams writes\\+reads: httputil.ReverseProxy"
	hosts := http.NewServeMux()
	for host, u := range upstreams {
		h, err := newUpstream(u)
		if err != nil {
			return nil, err
		}
		d, err := newDoor(WithUpstream(h))
		if err != nil {
			return nil, err
		}
		hosts.Handle(host+"/", d.routes())
	}
	return &Front{Handler: hosts}, nil
}

// Balancer picks a proxy per request from a map filled in a loop.
type Balancer struct {
	proxies map[string]*httputil.ReverseProxy // want proxies:"streams writes\\+reads: httputil.ReverseProxy"
	hosts   []string
	next    int
}

// NewBalancer returns a balancer over the given hosts.
func NewBalancer(hosts []string) (*Balancer, error) { // want NewBalancer:"streams writes\\+reads: httputil.ReverseProxy"
	b := &Balancer{proxies: make(map[string]*httputil.ReverseProxy)}
	for _, h := range hosts {
		u, err := url.Parse(h)
		if err != nil {
			return nil, err
		}
		b.proxies[h] = httputil.NewSingleHostReverseProxy(u)
		b.hosts = append(b.hosts, h)
	}
	return b, nil
}

func (b *Balancer) ServeHTTP(w http.ResponseWriter, r *http.Request) { // want ServeHTTP:"streams writes\\+reads: httputil.ReverseProxy"
	b.next = (b.next + 1) % len(b.hosts)
	b.proxies[b.hosts[b.next]].ServeHTTP(w, r)
}

// NewStatus returns a front of short JSON handlers, built with the same
// option: nothing streams.
func NewStatus() (*Front, error) {
	d, err := newStatusDoor()
	if err != nil {
		return nil, err
	}
	return &Front{Handler: http.HandlerFunc(d.status)}, nil
}

type statusDoor struct {
	check http.HandlerFunc
}

func withCheck(h http.HandlerFunc) func(*statusDoor) {
	return func(d *statusDoor) { d.check = h }
}

func newStatusDoor() (*statusDoor, error) {
	d := &statusDoor{}
	withCheck(ping)(d)
	return d, nil
}

func (d *statusDoor) status(w http.ResponseWriter, r *http.Request) { d.check(w, r) }

// Runner keeps the handler it is built with and serves it when it runs,
// on a server with absolute timeouts.
type Runner struct {
	addr    string
	handler http.Handler
}

// NewRunner returns a runner for h.
func NewRunner(addr string, h http.Handler) *Runner {
	return &Runner{addr: addr, handler: h}
}

// Run serves the handler.
func (rn *Runner) Run() error {
	srv := &http.Server{Addr: rn.addr, Handler: rn.handler, ReadHeaderTimeout: time.Second, WriteTimeout: 30 * time.Second}
	return srv.ListenAndServe()
}

// NewUpstream returns what newUpstream returns, handler and error alike.
func NewUpstream(u *url.URL) (http.Handler, error) { // want NewUpstream:"streams writes\\+reads: httputil.ReverseProxy"
	return newUpstream(u)
}
