package streamsafe_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/streamvet/streamvet/runtime/streamsafe"
)

var chunk = bytes.Repeat([]byte("streamsafe"), 256<<10/10) // ~256 KiB

// streamN writes n bytes from memory with a Content-Length.
func streamN(n int64) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.FormatInt(n, 10))
		for left := n; left > 0; {
			m, err := w.Write(chunk[:min(int64(len(chunk)), left)])
			if err != nil {
				return
			}
			left -= int64(m)
		}
	}
}

// readWithPauses reads body to the end, pausing for pause at each quarter.
// Three pauses make the transfer outlast 3*pause whatever the link speed.
func readWithPauses(body io.Reader, size int64, pause time.Duration) (int64, error) {
	buf := make([]byte, 256<<10)
	var n int64
	next := size / 4
	for {
		m, err := body.Read(buf)
		n += int64(m)
		if n >= next && next < size {
			time.Sleep(pause)
			next += size / 4
		}
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

// A 200 MB response that takes longer than WriteTimeout fails behind the
// server's WriteTimeout and succeeds under Handler, with or without it.
func TestLongStream(t *testing.T) {
	checkLeaks(t)
	const limit = time.Second
	const pause = 400 * time.Millisecond // 3 pauses outlast limit; each is well under it
	writeTimeout := func(s *http.Server) { s.WriteTimeout = limit; s.ReadTimeout = limit }

	tests := []struct {
		name      string
		proto     string
		size      int64
		wrap      bool
		configure func(*http.Server)
		wantErr   bool
	}{
		{"baseline WriteTimeout", "HTTP/1.1", 200 << 20, false, writeTimeout, true},
		{"Handler", "HTTP/1.1", 200 << 20, true, nil, false},
		{"Handler on server with WriteTimeout", "HTTP/1.1", 200 << 20, true, writeTimeout, false},
		// Smaller over TLS to keep the test fast with -race; the pauses set
		// the duration, not the size.
		{"baseline WriteTimeout", "HTTP/2", 40 << 20, false, writeTimeout, true},
		{"Handler on server with WriteTimeout", "HTTP/2", 40 << 20, true, writeTimeout, false},
	}
	for _, tt := range tests {
		t.Run(tt.name+"/"+tt.proto, func(t *testing.T) {
			size := tt.size
			var h http.Handler = streamN(size)
			d := newDone()
			var l logs
			if tt.wrap {
				h = streamsafe.Handler(h, streamsafe.IdleTimeout(limit), streamsafe.Logger(l.logger()), d.option())
			}
			srv, client := serve(t, tt.proto, h, tt.configure)
			resp, err := client.Get(srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			n, err := readWithPauses(resp.Body, size, pause)
			if tt.wantErr {
				if err == nil || n == size {
					t.Fatalf("read %d bytes, err %v; want the baseline cut short", n, err)
				}
				return
			}
			if err != nil || n != size {
				t.Fatalf("read %d of %d bytes, err %v", n, size, err)
			}
			rec := d.wait(t)
			if rec.Cause != nil || rec.BytesOut != size || rec.Status != http.StatusOK {
				t.Errorf("record %+v, want completed with %d bytes", rec, size)
			}
			if s := l.String(); s != "" {
				t.Errorf("logged for a completed request:\n%s", s)
			}
		})
	}
}

// A stream that waits longer than the idle limit between writes is not cut:
// the limit is about a peer not taking data, not about a quiet handler. The
// baseline shows why Handler does not move a write deadline forward on each
// write: over HTTP/2 that deadline is a timer that resets the stream while
// the handler waits.
func TestQuietStream(t *testing.T) {
	checkLeaks(t)
	const idle = 200 * time.Millisecond
	quiet := func(rolling bool) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			rc := http.NewResponseController(w)
			for _, event := range []string{"first\n", "second\n"} {
				if rolling {
					rc.SetWriteDeadline(time.Now().Add(idle))
				}
				io.WriteString(w, event)
				rc.Flush()
				time.Sleep(3 * idle)
			}
		}
	}
	type test struct {
		name, proto string
		h           http.Handler
		wantErr     bool
	}
	tests := []test{{"baseline rolling deadline", "HTTP/2", quiet(true), true}}
	for _, proto := range protocols {
		tests = append(tests, test{"Handler", proto, streamsafe.Handler(quiet(false), streamsafe.IdleTimeout(idle)), false})
	}
	for _, tt := range tests {
		t.Run(tt.name+"/"+tt.proto, func(t *testing.T) {
			srv, client := serve(t, tt.proto, tt.h, nil)
			resp, err := client.Get(srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.ProtoMajor != int(tt.proto[5]-'0') {
				t.Fatalf("served over %s, want %s", resp.Proto, tt.proto)
			}
			b, err := io.ReadAll(resp.Body)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("baseline read %q to a clean end", b)
				}
				return
			}
			if err != nil || string(b) != "first\nsecond\n" {
				t.Fatalf("got %q, %v", b, err)
			}
		})
	}
}

// The writer Handler passes on keeps the optional interfaces and unwraps to
// the server's writer, so http.ResponseController reaches it.
func TestWriterInterfaces(t *testing.T) {
	checkLeaks(t)
	got := make(chan string, 1)
	h := streamsafe.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, flusher := w.(http.Flusher)
		_, hijacker := w.(http.Hijacker)
		u, _ := w.(interface{ Unwrap() http.ResponseWriter })
		deadline := http.NewResponseController(w).SetWriteDeadline(time.Time{})
		full := http.NewResponseController(w).EnableFullDuplex()
		got <- fmt.Sprintf("flusher=%v hijacker=%v unwrap=%T deadline=%v fullduplex=%v",
			flusher, hijacker, u.Unwrap(), deadline, full)
	}))
	srv, client := serve(t, "HTTP/1.1", h, nil)
	resp, err := client.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if s, want := <-got, "flusher=true hijacker=true unwrap=*http.response deadline=<nil> fullduplex=<nil>"; s != want {
		t.Errorf("got  %s\nwant %s", s, want)
	}
}

// A client that stops reading is cut after the idle limit, the handler's
// write fails, the context carries the cause, the client sees an error, and
// one record names the cause.
func TestStalledReader(t *testing.T) {
	checkLeaks(t)
	const idle = 200 * time.Millisecond
	for _, proto := range protocols {
		t.Run(proto, func(t *testing.T) {
			var l logs
			d := newDone()
			type seen struct{ writeErr, ctxCause error }
			got := make(chan seen, 1)
			h := streamsafe.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				for {
					if _, err := w.Write(chunk); err != nil {
						got <- seen{err, context.Cause(r.Context())}
						return
					}
				}
			}), streamsafe.IdleTimeout(idle), streamsafe.Logger(l.logger()), d.option())
			srv, client := serve(t, proto, h, nil)
			resp, err := client.Get(srv.URL + "/download")
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			// Read nothing until the server gives up.
			rec := d.wait(t)
			if !errors.Is(rec.Cause, streamsafe.ErrIdleTimeout) || !errors.Is(rec.Cause, os.ErrDeadlineExceeded) {
				t.Errorf("cause %v, want the idle limit", rec.Cause)
			}
			if !rec.Aborted || rec.Reason() != "idle" || rec.Duration < idle || rec.BytesOut == 0 {
				t.Errorf("record %+v", rec)
			}
			s := <-got
			if s.writeErr == nil || !errors.Is(s.ctxCause, streamsafe.ErrIdleTimeout) {
				t.Errorf("handler saw write error %v and context cause %v", s.writeErr, s.ctxCause)
			}
			if _, err := io.Copy(io.Discard, resp.Body); err == nil {
				t.Error("client read the cut response to a clean end")
			}
			m := l.only(t)
			if m["level"] != "ERROR" || m["msg"] != "request aborted" || m["reason"] != "idle" ||
				m["method"] != "GET" || m["path"] != "/download" || m["status"] != 200.0 ||
				!strings.Contains(m["cause"].(string), "response write made no progress") {
				t.Errorf("log record %v", m)
			}
		})
	}
}

// stall returns a request body that sends n bytes and then nothing until
// the returned func is called.
func stall(n int) (io.Reader, func()) {
	pr, pw := io.Pipe()
	go pw.Write(make([]byte, n))
	return pr, func() { pw.Close() }
}

// An upload that stalls is cut after the idle limit even though the handler
// returns normally after its read fails.
func TestStalledUpload(t *testing.T) {
	checkLeaks(t)
	const idle = 200 * time.Millisecond
	for _, proto := range protocols {
		t.Run(proto, func(t *testing.T) {
			var l logs
			d := newDone()
			h := streamsafe.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if _, err := io.Copy(io.Discard, r.Body); err != nil {
					http.Error(w, err.Error(), http.StatusBadRequest) // must not reach the client as a clean answer
				}
			}), streamsafe.IdleTimeout(idle), streamsafe.Logger(l.logger()), d.option())
			srv, client := serve(t, proto, h, nil)
			body, release := stall(64 << 10)
			answer := make(chan error, 1)
			go func() {
				resp, err := client.Post(srv.URL+"/upload", "application/octet-stream", body)
				if err == nil {
					b, err2 := io.ReadAll(resp.Body)
					resp.Body.Close()
					if err2 == nil {
						t.Errorf("client got a complete response %s %q", resp.Status, b)
					}
				}
				answer <- err
			}()
			rec := d.wait(t)
			if !errors.Is(rec.Cause, streamsafe.ErrIdleTimeout) || rec.BytesIn != 64<<10 || !rec.Aborted {
				t.Errorf("record %+v, want idle after 64 KiB in", rec)
			}
			release() // the client's Transport waits for its body writer
			<-answer
			m := l.only(t)
			if m["reason"] != "idle" || m["method"] != "POST" || m["bytes_in"] != float64(64<<10) ||
				!strings.Contains(m["cause"].(string), "request body read made no progress") {
				t.Errorf("log record %v", m)
			}
		})
	}
}

// A client that goes away while the handler waits is reported as such, on
// the context and in the log.
// With OpenEnded the same is logged at INFO: leaving is how such a stream
// ends.
func TestClientGone(t *testing.T) {
	checkLeaks(t)
	for _, proto := range protocols {
		for _, openEnded := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/OpenEnded=%v", proto, openEnded), func(t *testing.T) {
				testClientGone(t, proto, openEnded)
			})
		}
	}
}

func testClientGone(t *testing.T, proto string, openEnded bool) {
	var l logs
	d := newDone()
	causes := make(chan [2]error, 1)
	opts := []streamsafe.Option{streamsafe.Logger(l.logger()), d.option()}
	wantLevel := "WARN"
	if openEnded {
		opts = append(opts, streamsafe.OpenEnded())
		wantLevel = "INFO"
	}
	h := streamsafe.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		http.NewResponseController(w).Flush()
		<-r.Context().Done()
		causes <- [2]error{context.Cause(r.Context()), streamsafe.Cause(r.Context())}
	}), opts...)
	srv, client := serve(t, proto, h, nil)
	resp, err := client.Get(srv.URL + "/events")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close() // before the end: the connection or stream is dropped

	rec := d.wait(t)
	if !errors.Is(rec.Cause, streamsafe.ErrClientGone) || rec.Reason() != "client_gone" || rec.Status != 200 {
		t.Errorf("record %+v", rec)
	}
	for _, c := range <-causes {
		if !errors.Is(c, streamsafe.ErrClientGone) {
			t.Errorf("context cause %v, want ErrClientGone", c)
		}
	}
	m := l.only(t)
	if m["level"] != wantLevel || m["reason"] != "client_gone" || m["path"] != "/events" {
		t.Errorf("log record %v, want level %s", m, wantLevel)
	}
}

// A caller that stops a request with a cause of its own (a server shutting
// down) is recorded as that cause, not as a client that left.
func TestStoppedByCaller(t *testing.T) {
	checkLeaks(t)
	errShutdown := errors.New("server shutting down")
	for _, proto := range protocols {
		t.Run(proto, func(t *testing.T) {
			var l logs
			d := newDone()
			inner := streamsafe.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusOK)
				http.NewResponseController(w).Flush()
				<-r.Context().Done()
			}), streamsafe.Logger(l.logger()), d.option())
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				ctx, stop := context.WithCancelCause(r.Context())
				time.AfterFunc(100*time.Millisecond, func() { stop(errShutdown) })
				inner.ServeHTTP(w, r.WithContext(ctx))
			})
			srv, client := serve(t, proto, h, nil)
			resp, err := client.Get(srv.URL + "/events")
			if err != nil {
				t.Fatal(err)
			}
			_, err = io.ReadAll(resp.Body)
			resp.Body.Close()
			if err == nil {
				t.Error("the client saw a clean end of a stream the server stopped")
			}
			rec := d.wait(t)
			if !errors.Is(rec.Cause, streamsafe.ErrStopped) || !errors.Is(rec.Cause, errShutdown) || rec.Reason() != "stopped" || !rec.Aborted {
				t.Errorf("record %+v, reason %q", rec, rec.Reason())
			}
			m := l.only(t)
			if m["level"] != "WARN" || m["reason"] != "stopped" || !strings.Contains(fmt.Sprint(m["cause"]), "server shutting down") {
				t.Errorf("log record %v", m)
			}
		})
	}
}

// The hard cap cuts a request that keeps making progress.
func TestMaxDuration(t *testing.T) {
	checkLeaks(t)
	const limit = 300 * time.Millisecond
	var l logs
	d := newDone()
	h := streamsafe.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for r.Context().Err() == nil {
			io.WriteString(w, "tick\n")
			http.NewResponseController(w).Flush()
			time.Sleep(10 * time.Millisecond)
		}
	}), streamsafe.MaxDuration(limit), streamsafe.Logger(l.logger()), d.option())
	srv, client := serve(t, "HTTP/1.1", h, nil)
	resp, err := client.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err == nil {
		t.Error("client read the capped response to a clean end")
	}
	rec := d.wait(t)
	if !errors.Is(rec.Cause, streamsafe.ErrMaxDuration) || rec.Reason() != "max_duration" || rec.Duration < limit {
		t.Errorf("record %+v", rec)
	}
	if m := l.only(t); m["reason"] != "max_duration" {
		t.Errorf("log record %v", m)
	}
}

// A handler that panics with http.ErrAbortHandler for its own reasons is
// reported with an unknown cause, and the abort still reaches the client.
func TestAbortWithoutCause(t *testing.T) {
	checkLeaks(t)
	var l logs
	d := newDone()
	h := streamsafe.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "partial")
		http.NewResponseController(w).Flush()
		panic(http.ErrAbortHandler)
	}), streamsafe.Logger(l.logger()), d.option())
	srv, client := serve(t, "HTTP/1.1", h, nil)
	resp, err := client.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if _, err := io.ReadAll(resp.Body); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("client error %v, want unexpected EOF", err)
	}
	if rec := d.wait(t); !errors.Is(rec.Cause, streamsafe.ErrAborted) || rec.BytesOut != 7 {
		t.Errorf("record %+v", rec)
	}
	if m := l.only(t); m["reason"] != "aborted" {
		t.Errorf("log record %v", m)
	}
}

func TestNewServer(t *testing.T) {
	srv := streamsafe.NewServer("127.0.0.1:0", http.NotFoundHandler())
	if srv.ReadHeaderTimeout <= 0 || srv.IdleTimeout <= 0 || srv.MaxHeaderBytes <= 0 {
		t.Errorf("limits not set: %+v", srv)
	}
	if srv.ReadTimeout != 0 || srv.WriteTimeout != 0 {
		t.Errorf("absolute timeouts set: read %v, write %v", srv.ReadTimeout, srv.WriteTimeout)
	}
}

// opaque hides the server's writer: no Unwrap, so http.ResponseController
// can neither flush nor set deadlines through it.
type opaque struct{ http.ResponseWriter }

// When the cut cannot reach the connection because a writer further out
// hides it, the handler still learns from its context, and the response is
// aborted even though the handler returns normally.
func TestCutWithoutDeadlines(t *testing.T) {
	checkLeaks(t)
	const limit = 200 * time.Millisecond
	var l logs
	d := newDone()
	inner := streamsafe.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(chunk[:8<<10]) // past net/http's buffer: the response has started
		for r.Context().Err() == nil {
			io.WriteString(w, "tick\n")
			http.NewResponseController(w).Flush() // not supported: must not count as a failure
			time.Sleep(10 * time.Millisecond)
		}
	}), streamsafe.MaxDuration(limit), streamsafe.Logger(l.logger()), d.option())
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		inner.ServeHTTP(opaque{w}, r)
	})
	srv, client := serve(t, "HTTP/1.1", h, nil)
	resp, err := client.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if _, err := io.ReadAll(resp.Body); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("client error %v, want unexpected EOF", err)
	}
	if rec := d.wait(t); !errors.Is(rec.Cause, streamsafe.ErrMaxDuration) || !rec.Aborted {
		t.Errorf("record %+v", rec)
	}
	if m := l.only(t); m["reason"] != "max_duration" {
		t.Errorf("log record %v", m)
	}
}

// A body that cannot be read is recorded, but the handler's answer reaches
// the client intact.
func TestBadBody(t *testing.T) {
	checkLeaks(t)
	var l logs
	d := newDone()
	h := streamsafe.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.Copy(io.Discard, r.Body); err != nil {
			http.Error(w, "bad body", http.StatusBadRequest)
		}
	}), streamsafe.Logger(l.logger()), d.option())
	srv, _ := serve(t, "HTTP/1.1", h, nil)
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	io.WriteString(conn, "POST /load HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\nzz\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusBadRequest || err != nil || string(b) != "bad body\n" {
		t.Errorf("got %s %q, %v", resp.Status, b, err)
	}
	rec := d.wait(t)
	if !errors.Is(rec.Cause, streamsafe.ErrRead) || rec.Aborted || rec.Status != 400 || rec.BytesIn != 4 {
		t.Errorf("record %+v", rec)
	}
	if m := l.only(t); m["msg"] != "request failed" || m["reason"] != "read" {
		t.Errorf("log record %v", m)
	}
}

// A context kept after its request ended keeps that request's values and
// ending while later requests reuse Handler's state: it stays done, with
// its own cause, and never reports another request's.
func TestContextOutlivesRequest(t *testing.T) {
	checkLeaks(t)
	type pathKey struct{}
	kept := make(chan context.Context, 1)
	inner := streamsafe.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		switch {
		case n == 0 || n == 3:
			// A status first: a GET aborted before any byte of the
			// response would be sent again by the client's Transport.
			w.WriteHeader(http.StatusOK)
			http.NewResponseController(w).Flush()
			<-r.Context().Done() // stopped below
			kept <- r.Context()
			return
		case n%3 == 0:
			_ = r.Context().Err() // makes the context's cancellation
		}
		kept <- r.Context()
		io.WriteString(w, "partial")
		if n%2 == 1 {
			http.NewResponseController(w).Flush()
			panic(http.ErrAbortHandler) // recorded as ErrAborted
		}
	}), streamsafe.Logger(slog.New(slog.DiscardHandler)))
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := context.WithValue(r.Context(), pathKey{}, r.URL.RawQuery)
		if r.URL.Query().Get("n") == "0" || r.URL.Query().Get("n") == "3" {
			// Done above must return: stop these two with a cause.
			var stop context.CancelCauseFunc
			ctx, stop = context.WithCancelCause(ctx)
			time.AfterFunc(20*time.Millisecond, func() { stop(errors.New("stopped by the test")) })
		}
		inner.ServeHTTP(w, r.WithContext(ctx))
	})
	srv, client := serve(t, "HTTP/1.1", h, nil)
	type old struct {
		ctx   context.Context
		query string
		cause error
	}
	var olds []old
	check := func() {
		t.Helper()
		for _, o := range olds {
			if got := o.ctx.Value(pathKey{}); got != o.query {
				t.Errorf("context of %s: value %v", o.query, got)
			}
			if err := o.ctx.Err(); err != context.Canceled {
				t.Errorf("context of %s: Err %v, want context.Canceled", o.query, err)
			}
			if got := streamsafe.Cause(o.ctx); !errors.Is(got, o.cause) || (o.cause == nil) != (got == nil) {
				t.Errorf("context of %s: Cause %v, want %v", o.query, got, o.cause)
			}
		}
	}
	for n := range 24 {
		query := "n=" + strconv.Itoa(n)
		resp, err := client.Get(srv.URL + "/?" + query)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		var want error
		switch {
		case n == 0 || n == 3:
			want = streamsafe.ErrStopped
		case n%2 == 1:
			want = streamsafe.ErrAborted
		}
		ctx := <-kept
		<-ctx.Done() // the handler may not have returned yet
		olds = append(olds, old{ctx, query, want})
		check()
	}
}

// A client that leaves while the handler never looks at its context is
// still recorded as gone, and the response aborted, when the handler
// returns.
func TestClientGoneUnwatched(t *testing.T) {
	checkLeaks(t)
	for _, proto := range protocols {
		t.Run(proto, func(t *testing.T) {
			var l logs
			d := newDone()
			left := make(chan struct{})
			h := streamsafe.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusOK)
				http.NewResponseController(w).Flush()
				<-left
				time.Sleep(200 * time.Millisecond) // the server sees the client go
			}), streamsafe.Logger(l.logger()), d.option())
			srv, client := serve(t, proto, h, nil)
			resp, err := client.Get(srv.URL + "/events")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			close(left)
			rec := d.wait(t)
			if !errors.Is(rec.Cause, streamsafe.ErrClientGone) || !rec.Aborted {
				t.Errorf("record %+v, want client gone", rec)
			}
			if m := l.only(t); m["reason"] != "client_gone" {
				t.Errorf("log record %v", m)
			}
		})
	}
}
