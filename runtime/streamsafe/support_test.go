package streamsafe_test

import (
	"bytes"
	"encoding/json"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/streamvet/streamvet/runtime/streamsafe"
)

// logs captures slog output as JSON lines.
type logs struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logs) logger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func (l *logs) records(t *testing.T) []map[string]any {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	var recs []map[string]any
	for line := range strings.Lines(l.buf.String()) {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		recs = append(recs, m)
	}
	return recs
}

// only returns the single record logged, failing the test if there is not
// exactly one.
func (l *logs) only(t *testing.T) map[string]any {
	t.Helper()
	recs := l.records(t)
	if len(recs) != 1 {
		t.Fatalf("got %d log records, want exactly 1:\n%s", len(recs), l.String())
	}
	return recs[0]
}

func (l *logs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// done collects the Records that OnDone reports.
type done chan streamsafe.Record

func newDone() done { return make(done, 16) }

func (d done) option() streamsafe.Option {
	return streamsafe.OnDone(func(r streamsafe.Record) { d <- r })
}

func (d done) wait(t *testing.T) streamsafe.Record {
	t.Helper()
	select {
	case r := <-d:
		return r
	case <-time.After(20 * time.Second):
		t.Fatal("handler did not finish")
		return streamsafe.Record{}
	}
}

// protocols lists the ways tests serve: HTTP/1.1 and HTTP/2 over TLS.
var protocols = []string{"HTTP/1.1", "HTTP/2"}

// serve starts h on 127.0.0.1 with the given protocol and returns the server
// and a client for it. net/http's own log must stay empty: the package's
// point is that nothing goes only there.
func serve(t *testing.T, proto string, h http.Handler, configure func(*http.Server)) (*httptest.Server, *http.Client) {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	var serverLog logs
	srv.Config.ErrorLog = log.New(&serverLog, "", 0)
	if configure != nil {
		configure(srv.Config)
	}
	switch proto {
	case "HTTP/1.1":
		srv.Start()
	case "HTTP/2":
		srv.EnableHTTP2 = true
		srv.StartTLS()
	default:
		t.Fatalf("unknown protocol %q", proto)
	}
	t.Cleanup(func() {
		srv.Close()
		if s := serverLog.String(); s != "" {
			t.Errorf("net/http logged:\n%s", s)
		}
	})
	return srv, srv.Client()
}

// checkLeaks fails the test if goroutines started during it are still
// running, after a grace period, in net/http or this package. Call it first
// so that its cleanup runs last.
func checkLeaks(t *testing.T) {
	t.Helper()
	before := goroutines()
	t.Cleanup(func() {
		var leaked []string
		for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			leaked = leaked[:0]
			for id, stack := range goroutines() {
				if _, ok := before[id]; !ok && relevant.MatchString(stack) {
					leaked = append(leaked, stack)
				}
			}
			if len(leaked) == 0 || time.Now().After(deadline) {
				break
			}
		}
		for _, stack := range leaked {
			t.Errorf("leaked goroutine:\n%s", stack)
		}
	})
}

var relevant = regexp.MustCompile(`streamsafe|net/http|internal/poll|net\.\(\*`)

func goroutines() map[string]string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	m := make(map[string]string)
	for g := range strings.SplitSeq(string(buf), "\n\n") {
		header, _, _ := strings.Cut(g, " [")
		m[header] = g
	}
	return m
}
