package streamsafe_test

import (
	"bytes"
	"crypto/rand"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/streamvet/streamvet/runtime/streamsafe"
)

// bigFile writes size random bytes to a temporary file.
func bigFile(tb testing.TB, size int) (string, []byte) {
	tb.Helper()
	data := make([]byte, size)
	rand.Read(data)
	name := filepath.Join(tb.TempDir(), "layer.tar")
	if err := os.WriteFile(name, data, 0o600); err != nil {
		tb.Fatal(err)
	}
	return name, data
}

func serveFile(name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f, err := os.Open(name)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		defer f.Close()
		http.ServeContent(w, r, "layer.tar", time.Time{}, f)
	}
}

// Files served under Handler arrive intact, whole or by range, over both
// protocols (HTTP/1.1 takes the ReadFrom path, HTTP/2 the Write path).
func TestServeFile(t *testing.T) {
	checkLeaks(t)
	const size = 20 << 20
	name, data := bigFile(t, size)
	for _, proto := range protocols {
		t.Run(proto, func(t *testing.T) {
			d := newDone()
			// The limit is not what this test is about: long enough that a
			// client descheduled on a loaded machine is not cut.
			h := streamsafe.Handler(serveFile(name), streamsafe.IdleTimeout(10*time.Second), d.option())
			srv, client := serve(t, proto, h, nil)
			for _, rng := range []struct {
				header     string
				start, end int
			}{{"", 0, size}, {"bytes=1000-2999999", 1000, 3000000}} {
				req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
				if rng.header != "" {
					req.Header.Set("Range", rng.header)
				}
				resp, err := client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				got, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil || !bytes.Equal(got, data[rng.start:rng.end]) {
					t.Fatalf("range %q: got %d bytes (%v), want %d matching", rng.header, len(got), err, rng.end-rng.start)
				}
				if rec := d.wait(t); rec.Cause != nil || rec.BytesOut != int64(rng.end-rng.start) {
					t.Errorf("record %+v", rec)
				}
			}
		})
	}
}

// A non-file source copied with io.Copy goes through Write: a source that is
// slower than the idle limit is not mistaken for a stalled client.
func TestSlowSourceIsNotStall(t *testing.T) {
	checkLeaks(t)
	const idle = 200 * time.Millisecond
	d := newDone()
	h := streamsafe.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pr, pw := io.Pipe()
		go func() {
			pw.Write([]byte("first\n"))
			time.Sleep(3 * idle)
			pw.Write([]byte("second\n"))
			pw.Close()
		}()
		io.Copy(w, pr)
	}), streamsafe.IdleTimeout(idle), d.option())
	srv, client := serve(t, "HTTP/1.1", h, nil)
	resp, err := client.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if b, err := io.ReadAll(resp.Body); err != nil || string(b) != "first\nsecond\n" {
		t.Fatalf("got %q, %v", b, err)
	}
	if rec := d.wait(t); rec.Cause != nil {
		t.Errorf("cause %v", rec.Cause)
	}
}

// BenchmarkFile serves a 64 MiB file per request, with and without Handler:
// the sendfile path must survive the wrapper.
func BenchmarkFile(b *testing.B) {
	const size = 64 << 20
	name, _ := bigFile(b, size)
	for _, w := range wrappers() {
		b.Run(w.name, func(b *testing.B) {
			srv := httptest.NewServer(w.wrap(serveFile(name)))
			defer srv.Close()
			buf := make([]byte, 256<<10)
			b.SetBytes(size)
			b.ReportAllocs()
			for b.Loop() {
				if n := get(b, srv.Client(), srv.URL, buf); n != size {
					b.Fatalf("read %d bytes", n)
				}
			}
		})
	}
}
