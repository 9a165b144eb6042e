package proxy

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"net/http/httputil"
	"strings"
	"testing"
)

// chunkedBody encodes chunks as net/http does, with the final chunk.
func chunkedBody(chunks ...string) []byte {
	var b bytes.Buffer
	w := httputil.NewChunkedWriter(&b)
	for _, c := range chunks {
		io.WriteString(w, c)
	}
	w.Close()
	b.WriteString("\r\n") // no trailers
	return b.Bytes()
}

// scanAll feeds body to a framing in pieces of the given sizes (cycled)
// and returns what scan said in total.
func scanAll(body []byte, sizes []int) (n int, payload int64, ended bool, err error) {
	f := framing{chunked: true}
	for i := 0; len(body) > 0 && !ended; i++ {
		k := min(sizes[i%len(sizes)], len(body))
		m, p, e, err := f.scan(body[:k])
		n += m
		payload += p
		ended = e
		if err != nil {
			return n, payload, ended, err
		}
		if !e && m != k {
			return n, payload, ended, errors.New("scan stopped before the end without an error")
		}
		body = body[k:]
	}
	return n, payload, ended, nil
}

// TestFramingFindsTheEnd: however the bytes are split, the end of a
// chunked body is found at its last byte, the payload is counted, and
// bytes after the end are not part of it.
func TestFramingFindsTheEnd(t *testing.T) {
	events := []string{`{"status":"start"}` + "\n", strings.Repeat("x", 70000), "a", `{"status":"die"}` + "\n"}
	var payload int
	for _, e := range events {
		payload += len(e)
	}
	bodies := map[string][]byte{
		"net/http":   chunkedBody(events...),
		"extensions": []byte("5;name=value\r\nhello\r\n6 \r\n world\r\n0;last\r\n\r\n"),
		"trailers":   []byte("5\r\nhello\r\n0\r\nX-Exit: 0\r\nX-More: 1\r\n\r\n"),
		"upper hex":  []byte("A\r\n0123456789\r\n0\r\n\r\n"),
		"bare LF":    []byte("5\nhello\r\n0\n\n"),
	}
	wantPayload := map[string]int64{"net/http": int64(payload), "extensions": 11, "trailers": 5, "upper hex": 10, "bare LF": 5}
	r := rand.New(rand.NewPCG(1, 2))
	for name, body := range bodies {
		splits := [][]int{{len(body)}, {1}, {2}, {3}, {7}, {4096}}
		for range 20 {
			splits = append(splits, []int{1 + r.IntN(40), 1 + r.IntN(5000), 1 + r.IntN(3)})
		}
		for _, sizes := range splits {
			withTail := append(bytes.Clone(body), "HTTP/1.1 200 OK\r\n"...)
			n, p, ended, err := scanAll(withTail, sizes)
			if err != nil || !ended || n != len(body) || p != wantPayload[name] {
				t.Errorf("%s split %v: n %d of %d, payload %d of %d, ended %v, %v", name, sizes, n, len(body), p, wantPayload[name], ended, err)
			}
		}
		if name == "net/http" {
			got, err := io.ReadAll(httputil.NewChunkedReader(bytes.NewReader(body)))
			if err != nil || len(got) != payload {
				t.Fatalf("net/http decodes %d bytes, %v", len(got), err)
			}
		}
	}
}

// TestFramingIncomplete: a body cut anywhere before its end has not
// ended, so the relay reports the daemon's failure instead of a clean end.
func TestFramingIncomplete(t *testing.T) {
	body := chunkedBody("hello", " world")
	for cut := 0; cut < len(body); cut++ {
		_, _, ended, err := scanAll(body[:cut], []int{3})
		if ended || err != nil {
			t.Errorf("cut at %d of %d: ended %v, %v", cut, len(body), ended, err)
		}
	}
}

// TestFramingErrors: bytes that are not chunked encoding are refused.
func TestFramingErrors(t *testing.T) {
	for _, body := range []string{
		"\r\n",                           // no size
		"zz\r\n",                         // not hex
		"5\rhello",                       // bare CR
		"5\r\nhelloXY",                   // no CRLF after the data
		"11111111111111111\r\n",          // 17 digits
		"5;" + strings.Repeat("e", 5000), // endless extension
		"0\r\n\rX",                       // bare CR at the end
	} {
		if _, _, ended, err := scanAll([]byte(body), []int{1}); err == nil || ended {
			t.Errorf("%q: ended %v, %v; want an error", body, ended, err)
		}
	}
}

// TestFramingUntilClose: a body without framing is all payload and never
// ends on its own.
func TestFramingUntilClose(t *testing.T) {
	var f framing
	n, p, ended, err := f.scan([]byte("0\r\n\r\n"))
	if n != 5 || p != 5 || ended || err != nil {
		t.Errorf("n %d payload %d ended %v %v", n, p, ended, err)
	}
}
