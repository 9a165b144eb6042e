package streamsafe_test

import (
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"time"

	"github.com/streamvet/streamvet/runtime/streamsafe"
)

// events sends one event, waits, and sends another, like a log follow or a
// Docker progress stream.
func events(w http.ResponseWriter, r *http.Request) {
	io.WriteString(w, "event 1\n")
	http.NewResponseController(w).Flush()
	time.Sleep(800 * time.Millisecond)
	io.WriteString(w, "event 2\n")
}

// serveAndGet serves h with srv on a loopback port and prints what a client reads.
func serveAndGet(srv *http.Server, h http.Handler) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	srv.Handler = h
	go srv.Serve(ln)
	defer srv.Close()

	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	resp, err := client.Get("http://" + ln.Addr().String() + "/events")
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	fmt.Printf("read %q, error: %v\n", b, err)
}

// A proxy to the Docker daemon's socket behind one inactivity limit per
// route, with every route under Recover. The package documentation and
// the README show this example as it is here.
func Example() {
	logger := slog.Default()
	upstream, err := url.Parse("unix:///var/run/docker.sock")
	if err != nil {
		log.Fatal(err)
	}
	proxy := streamsafe.NewReverseProxy(upstream, logger) // Rewrite, streams flushed per write, pooled buffers
	mux := http.NewServeMux()
	mux.Handle("/", streamsafe.Handler(proxy, streamsafe.IdleTimeout(time.Minute), streamsafe.Logger(logger)))
	srv := streamsafe.NewServer(":2376", streamsafe.Recover(mux, logger)) // no absolute timeouts
	log.Fatal(srv.ListenAndServe())
}

// Before: an absolute WriteTimeout cuts a stream that outlives it. The client
// sees "unexpected EOF", and nothing is logged anywhere.
func Example_before() {
	srv := &http.Server{
		ReadTimeout:  400 * time.Millisecond,
		WriteTimeout: 400 * time.Millisecond,
		ErrorLog:     log.New(io.Discard, "", 0),
	}
	serveAndGet(srv, http.HandlerFunc(events))
	// Output:
	// read "event 1\n", error: unexpected EOF
}

// After: no absolute timeouts on the server; each streaming route is bounded
// by inactivity instead.
func Example_after() {
	srv := streamsafe.NewServer("", nil)
	serveAndGet(srv, streamsafe.Handler(http.HandlerFunc(events), streamsafe.IdleTimeout(30*time.Second)))
	// Output:
	// read "event 1\nevent 2\n", error: <nil>
}

// Handler is one line per route, each with its own limits. OnDone feeds
// metrics; Reason gives a label with few values.
func ExampleHandler() {
	logger := slog.New(slog.DiscardHandler)
	metrics := streamsafe.OnDone(func(r streamsafe.Record) {
		fmt.Printf("%s %s status=%d out=%d reason=%q\n", r.Method, r.Path, r.Status, r.BytesOut, r.Reason())
	})
	down := &url.URL{Scheme: "http", Host: "127.0.0.1:1"} // nothing listens there

	mux := http.NewServeMux()
	mux.Handle("/events", streamsafe.Handler(http.HandlerFunc(events),
		streamsafe.IdleTimeout(time.Minute), streamsafe.Logger(logger), metrics))
	mux.Handle("/v1.41/", streamsafe.Handler(streamsafe.NewReverseProxy(down, logger),
		streamsafe.IdleTimeout(5*time.Minute), streamsafe.MaxDuration(2*time.Hour), streamsafe.Logger(logger), metrics))

	srv := httptest.NewServer(mux)
	defer srv.Close()
	for _, path := range []string{"/events", "/v1.41/info"} {
		resp, err := srv.Client().Get(srv.URL + path)
		if err != nil {
			log.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	// Output:
	// GET /events status=200 out=16 reason=""
	// GET /v1.41/info status=502 out=0 reason="upstream"
}

// A proxy to the Docker daemon's socket, for a server on TCP.
func ExampleNewReverseProxy() {
	logger := slog.Default()
	target, err := url.Parse("unix:///var/run/docker.sock")
	if err != nil {
		log.Fatal(err)
	}
	proxy := streamsafe.NewReverseProxy(target, logger)
	srv := streamsafe.NewServer("127.0.0.1:2375", streamsafe.Recover(
		streamsafe.Handler(proxy, streamsafe.IdleTimeout(5*time.Minute), streamsafe.Logger(logger)),
		logger))
	_ = srv // srv.ListenAndServe()
}
