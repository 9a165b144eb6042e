// Command cmd serves a proxy with timeouts from its configuration
// struct: in a main package every write to a field is in view.
package main

import (
	"encoding/json"
	"flag"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"time"
)

type config struct {
	Read  time.Duration
	Write time.Duration
	Idle  time.Duration
	Limit int
}

type flagged struct {
	Write time.Duration
}

type tagged struct {
	Write time.Duration `default:"60s"`
}

var proxy = httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: "127.0.0.1:2375"})

func load(name string) config {
	var c config
	b, _ := os.ReadFile(name)
	_ = json.Unmarshal(b, &c)
	return c
}

// ok: Write is read from the user's configuration file only: the
// program gives it no value, it is a knob.
func fromFile() *http.Server {
	c := load("config.json")
	return &http.Server{Handler: proxy, ReadHeaderTimeout: time.Second, IdleTimeout: c.Idle, WriteTimeout: c.Write}
}

// A flag gives the field a 30 s default.
func fromFlag() *http.Server {
	var f flagged
	flag.DurationVar(&f.Write, "write-timeout", 30*time.Second, "response write timeout")
	flag.Parse()
	srv := &http.Server{Handler: proxy, ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute}
	srv.WriteTimeout = f.Write // want `WriteTimeout \(f.Write\) cuts streaming responses of proxy`
	return srv
}

// A struct tag gives the field a default.
func fromTag(t tagged) *http.Server {
	srv := &http.Server{Handler: proxy, ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute}
	srv.WriteTimeout = t.Write // want `WriteTimeout \(t.Write\) cuts streaming responses of proxy`
	return srv
}

// ok: seconds from the file, a product with a constant: zero too.
func seconds() *http.Server {
	c := load("config.json")
	srv := &http.Server{Handler: proxy, ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute}
	srv.WriteTimeout = time.Duration(c.Limit) * time.Second
	return srv
}

func main() {
	_ = fromFile()
	_ = fromFlag()
	_ = fromTag(tagged{})
	_ = seconds()
}
