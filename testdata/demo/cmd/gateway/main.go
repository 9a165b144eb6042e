// Command gateway serves the routes of package api: the Docker API
// proxy and an event stream on the public port, health on the admin port.
package main

import (
	"flag"
	"log"
	"net/http"
	"net/url"
	"time"

	"example.com/demo/internal/api"
)

func main() {
	upstream := flag.String("upstream", "http://localhost:2375", "Docker API `URL`")
	writeTimeout := flag.Duration("write-timeout", 30*time.Second, "response write timeout")
	flag.Parse()
	target, err := url.Parse(*upstream)
	if err != nil {
		log.Fatal(err)
	}

	public := &http.Server{
		Addr:              ":8080",
		Handler:           api.NewRouter(target),
		ReadHeaderTimeout: 5 * time.Second,
	}
	public.WriteTimeout = *writeTimeout

	// The admin port answers short requests only: its timeouts are fine.
	admin := &http.Server{
		Addr:         "127.0.0.1:8081",
		Handler:      api.NewAdmin(),
		ReadTimeout:  5 * time.Second,
		WriteTimeout: 5 * time.Second,
	}
	go func() { log.Fatal(admin.ListenAndServe()) }()
	log.Fatal(public.ListenAndServe())
}
