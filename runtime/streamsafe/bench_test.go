package streamsafe_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/streamvet/streamvet/runtime/streamsafe"
)

const writeSize = 32 << 10

// writes answers ?n=N with N writes of 32 KiB.
func writes(w http.ResponseWriter, r *http.Request) {
	n, _ := strconv.ParseInt(r.URL.Query().Get("n"), 10, 64)
	w.Header().Set("Content-Length", strconv.FormatInt(n*writeSize, 10))
	for range n {
		if _, err := w.Write(chunk[:writeSize]); err != nil {
			return
		}
	}
}

// drain reads body with a plain loop and returns how many bytes it read.
func drain(b *testing.B, body io.Reader, buf []byte) int64 {
	var n int64
	for {
		m, err := body.Read(buf)
		n += int64(m)
		if err == io.EOF {
			return n
		}
		if err != nil {
			b.Fatal(err)
		}
	}
}

func get(b *testing.B, client *http.Client, url string, buf []byte) int64 {
	resp, err := client.Get(url)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.Fatal(resp.Status)
	}
	return drain(b, resp.Body, buf)
}

func wrappers() []struct {
	name string
	wrap func(http.Handler) http.Handler
} {
	logger := slog.New(slog.DiscardHandler)
	return []struct {
		name string
		wrap func(http.Handler) http.Handler
	}{
		{"plain", func(h http.Handler) http.Handler { return h }},
		{"wrapped", func(h http.Handler) http.Handler { return streamsafe.Handler(h, streamsafe.Logger(logger)) }},
	}
}

// BenchmarkWrite measures one 32 KiB write of a long response, over
// loopback, with and without Handler.
func BenchmarkWrite(b *testing.B) {
	for _, w := range wrappers() {
		b.Run(w.name, func(b *testing.B) {
			srv := httptest.NewServer(w.wrap(http.HandlerFunc(writes)))
			defer srv.Close()
			buf := make([]byte, 256<<10)
			b.SetBytes(writeSize)
			b.ReportAllocs()
			b.ResetTimer()
			if n := get(b, srv.Client(), srv.URL+"?n="+strconv.Itoa(b.N), buf); n != int64(b.N)*writeSize {
				b.Fatalf("read %d bytes", n)
			}
		})
	}
}

// BenchmarkRequest measures whole requests answered with one 32 KiB write,
// to show the per-request cost of Handler (allocs/op includes the client's).
func BenchmarkRequest(b *testing.B) {
	for _, w := range wrappers() {
		b.Run(w.name, func(b *testing.B) {
			srv := httptest.NewServer(w.wrap(http.HandlerFunc(writes)))
			defer srv.Close()
			client := srv.Client()
			buf := make([]byte, 256<<10)
			b.SetBytes(writeSize)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				get(b, client, srv.URL+"?n=1", buf)
			}
		})
	}
}

// BenchmarkRequestAdded alternates blocks of the requests of
// BenchmarkRequest to a plain and a wrapped server in one run and reports
// what Handler adds per request: time as a ratio to the plain handler, and
// allocations and bytes (server and client together, as -benchmem counts
// them, so the client's share cancels out). "handler" wraps the handler
// of BenchmarkRequest; "proxy" wraps NewReverseProxy in front of it, which
// looks at the request context (ReverseProxy calls its Done), so the
// context's cancellation and the watch on the server's context are made.
//
//	go test -run '^$' -bench RequestAdded -count 3 ./runtime/streamsafe/
func BenchmarkRequestAdded(b *testing.B) {
	logger := slog.New(slog.DiscardHandler)
	up := httptest.NewServer(http.HandlerFunc(writes))
	defer up.Close()
	target, _ := url.Parse(up.URL)
	for _, bench := range []struct {
		name string
		h    http.Handler
	}{
		{"handler", http.HandlerFunc(writes)},
		{"proxy", streamsafe.NewReverseProxy(target, logger)},
	} {
		b.Run(bench.name, func(b *testing.B) {
			benchAdded(b, bench.h, streamsafe.Handler(bench.h, streamsafe.Logger(logger)))
		})
	}
}

func benchAdded(b *testing.B, plainHandler, wrappedHandler http.Handler) {
	const block = 64
	type side struct {
		srv            *httptest.Server
		client         *http.Client
		took           time.Duration
		mallocs, bytes uint64
	}
	var sides [2]*side
	for i, h := range []http.Handler{plainHandler, wrappedHandler} {
		srv := httptest.NewServer(h)
		defer srv.Close()
		sides[i] = &side{srv: srv, client: srv.Client()}
	}
	buf := make([]byte, 256<<10)
	var ms runtime.MemStats
	run := func(s *side) {
		runtime.ReadMemStats(&ms)
		mallocs, bytes := ms.Mallocs, ms.TotalAlloc
		start := time.Now()
		for range block {
			get(b, s.client, s.srv.URL+"?n=1", buf)
		}
		s.took += time.Since(start)
		runtime.ReadMemStats(&ms)
		s.mallocs += ms.Mallocs - mallocs
		s.bytes += ms.TotalAlloc - bytes
	}
	for _, s := range sides {
		run(s) // connect and warm the pools outside the count
		*s = side{srv: s.srv, client: s.client}
	}
	rounds := 0
	for b.Loop() {
		first := rounds % 2 // alternate which goes first
		run(sides[first])
		run(sides[1-first])
		rounds++
	}
	plain, wrapped := sides[0], sides[1]
	reqs := float64(rounds * block)
	b.ReportMetric(float64(wrapped.took)/float64(plain.took), "time/plain")
	b.ReportMetric((float64(wrapped.mallocs)-float64(plain.mallocs))/reqs, "added-allocs/req")
	b.ReportMetric((float64(wrapped.bytes)-float64(plain.bytes))/reqs, "added-B/req")
}

const proxyBody = 100 << 20

// BenchmarkProxy moves 100 MB bodies through a reverse proxy over loopback:
// stock httputil.ReverseProxy against NewReverseProxy, alone and under
// Handler.
func BenchmarkProxy(b *testing.B) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			buf := make([]byte, 256<<10)
			var n int64
			for {
				m, err := r.Body.Read(buf)
				n += int64(m)
				if err != nil {
					break
				}
			}
			io.WriteString(w, strconv.FormatInt(n, 10))
			return
		}
		w.Header().Set("Content-Length", strconv.Itoa(proxyBody))
		for left := proxyBody; left > 0; left -= len(chunk) {
			if _, err := w.Write(chunk[:min(len(chunk), left)]); err != nil {
				return
			}
		}
	}))
	defer up.Close()
	target, _ := url.Parse(up.URL)
	logger := slog.New(slog.DiscardHandler)
	proxies := []struct {
		name string
		h    http.Handler
	}{
		{"stock", &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.SetXForwarded()
		}}},
		{"NewReverseProxy", streamsafe.NewReverseProxy(target, logger)},
		{"NewReverseProxy+Handler", streamsafe.Handler(streamsafe.NewReverseProxy(target, logger), streamsafe.Logger(logger))},
	}
	for _, dir := range []string{"download", "upload"} {
		for _, p := range proxies {
			b.Run(dir+"/"+p.name, func(b *testing.B) {
				srv := httptest.NewServer(p.h)
				defer srv.Close()
				client := srv.Client()
				buf := make([]byte, 256<<10)
				b.SetBytes(proxyBody)
				b.ReportAllocs()
				b.ResetTimer()
				for b.Loop() {
					if dir == "download" {
						if n := get(b, client, srv.URL, buf); n != proxyBody {
							b.Fatalf("read %d bytes", n)
						}
						continue
					}
					resp, err := client.Post(srv.URL, "application/x-tar", &repeat{left: proxyBody})
					if err != nil {
						b.Fatal(err)
					}
					got, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					if string(got) != strconv.Itoa(proxyBody) {
						b.Fatalf("upstream read %s bytes", got)
					}
				}
			})
		}
	}
}

// repeat is a request body of left bytes served from memory.
type repeat struct{ left int }

func (r *repeat) Read(p []byte) (int, error) {
	if r.left == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), r.left)], chunk)
	r.left -= n
	return n, nil
}
