package streamsafe_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/streamvet/streamvet/runtime/streamsafe"
)

func panicsBeforeWriting(w http.ResponseWriter, r *http.Request) {
	panic("nil map somewhere")
}

func panicsMidStream(w http.ResponseWriter, r *http.Request) {
	io.WriteString(w, "partial")
	http.NewResponseController(w).Flush()
	panic("nil map somewhere")
}

func aborts(w http.ResponseWriter, r *http.Request) {
	io.WriteString(w, "partial")
	http.NewResponseController(w).Flush()
	panic(fmt.Errorf("giving up: %w", http.ErrAbortHandler)) // wrapped: errors.Is, not ==
}

// An ordinary panic is logged once with its stack; the client gets a 500 if
// nothing was sent, an error if the response had started.
func TestRecoverPanic(t *testing.T) {
	checkLeaks(t)
	tests := []struct {
		name       string
		h          http.HandlerFunc
		wantStatus int
	}{
		{"before writing", panicsBeforeWriting, http.StatusInternalServerError},
		{"mid-stream", panicsMidStream, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var l logs
			d := newDone()
			h := streamsafe.Handler(streamsafe.Recover(tt.h, l.logger()), streamsafe.Logger(l.logger()), d.option())
			srv, client := serve(t, "HTTP/1.1", h, nil)
			resp, err := client.Get(srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			_, err = io.ReadAll(resp.Body)
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			if cut := errors.Is(err, io.ErrUnexpectedEOF); cut != (tt.wantStatus == http.StatusOK) {
				t.Errorf("client read error %v", err)
			}
			rec := d.wait(t)
			if rec.Reason() != "panic" || rec.Status != tt.wantStatus || rec.Aborted != (tt.wantStatus == http.StatusOK) {
				t.Errorf("record %+v, want reason panic", rec)
			}
			m := l.only(t)
			if m["msg"] != "panic serving request" || m["panic"] != "nil map somewhere" ||
				!strings.Contains(m["stack"].(string), "streamsafe_test.panics") {
				t.Errorf("log record %v", m)
			}
		})
	}
}

// http.ErrAbortHandler, even wrapped, is passed on so net/http aborts the
// response without logging a panic (serve fails the test if net/http logs),
// and is logged exactly once whichever way round Handler and Recover are,
// and however many Handlers there are.
func TestRecoverAbort(t *testing.T) {
	checkLeaks(t)
	tests := []struct {
		name       string
		wrap       func(http.Handler, *logs) http.Handler
		wantReason string
	}{
		{"Recover", func(h http.Handler, l *logs) http.Handler {
			return streamsafe.Recover(h, l.logger())
		}, ""},
		{"Recover(Handler)", func(h http.Handler, l *logs) http.Handler {
			return streamsafe.Recover(streamsafe.Handler(h, streamsafe.Logger(l.logger())), l.logger())
		}, "aborted"},
		{"Handler(Recover)", func(h http.Handler, l *logs) http.Handler {
			return streamsafe.Handler(streamsafe.Recover(h, l.logger()), streamsafe.Logger(l.logger()))
		}, "aborted"},
		{"Recover(Handler(Handler))", func(h http.Handler, l *logs) http.Handler {
			inner := streamsafe.Handler(h, streamsafe.Logger(l.logger()), streamsafe.IdleTimeout(time.Second))
			return streamsafe.Recover(streamsafe.Handler(inner, streamsafe.Logger(l.logger())), l.logger())
		}, "aborted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var l logs
			srv, client := serve(t, "HTTP/1.1", tt.wrap(http.HandlerFunc(aborts), &l), nil)
			resp, err := client.Get(srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if _, err := io.ReadAll(resp.Body); !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Errorf("client read error %v, want unexpected EOF", err)
			}
			m := waitLog(t, &l)
			if m["msg"] != "request aborted" || m["reason"] != orNil(tt.wantReason) {
				t.Errorf("log record %v", m)
			}
		})
	}
}

// orNil maps "" to a missing JSON field.
func orNil(s string) any {
	if s == "" {
		return nil
	}
	return s
}
