package wt

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

// Writers wrapped around the ResponseWriter: what is written to them is
// written to the response.

// flushWriter writes to the response and flushes after every write.
type flushWriter struct{ w http.ResponseWriter }

func (f flushWriter) Write(p []byte) (int, error) {
	n, err := f.w.Write(p)
	if fl, ok := f.w.(http.Flusher); ok {
		fl.Flush()
	}
	return n, err
}

// An upstream's log follow, copied through the flushing writer.
func followLogs(w http.ResponseWriter, r *http.Request) {
	resp, err := http.Get("http://127.0.0.1:2375/containers/x/logs?follow=1")
	if err != nil {
		return
	}
	defer resp.Body.Close()
	io.Copy(flushWriter{w}, resp.Body)
}

func followServer() *http.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("/logs", followLogs)
	return &http.Server{Handler: mux, ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute,
		WriteTimeout: time.Minute} // want `WriteTimeout \(1m0s\) cuts streaming responses of mux \(io.Copy of resp.Body into the ResponseWriter, writers.go:\d+\)`
}

// A bufio.Writer around the response, flushed on every tick.
func ticks(w http.ResponseWriter, r *http.Request) {
	bw := bufio.NewWriter(w)
	for {
		fmt.Fprintf(bw, "tick %s\n", time.Now())
		bw.Flush()
		time.Sleep(time.Second)
	}
}

func tickServer() *http.Server {
	return &http.Server{Handler: http.HandlerFunc(ticks), ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute,
		WriteTimeout: time.Minute} // want `WriteTimeout \(1m0s\) cuts streaming responses of http.HandlerFunc\(ticks\) \(a Flush loop, writers.go:\d+\)`
}

// A download copied to the response and a hash at once.
func hashedDownload(w http.ResponseWriter, r *http.Request) {
	f, err := os.Open("/srv/blobs/" + r.URL.Path)
	if err != nil {
		return
	}
	defer f.Close()
	h := sha256.New()
	io.Copy(io.MultiWriter(w, h), f)
}

func downloadMultiServer() *http.Server {
	return &http.Server{Handler: http.HandlerFunc(hashedDownload), ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute,
		WriteTimeout: time.Minute} // want `WriteTimeout \(1m0s\) cuts streaming responses of http.HandlerFunc\(hashedDownload\) \(io.Copy of f into the ResponseWriter, writers.go:\d+\)`
}

// ok: the file is hashed, and only the digest written.
func digest(w http.ResponseWriter, r *http.Request) {
	f, err := os.Open("/srv/blobs/" + r.URL.Path)
	if err != nil {
		return
	}
	defer f.Close()
	h := sha256.New()
	io.Copy(h, f)
	fmt.Fprintf(w, "%x\n", h.Sum(nil))
}

// ok: the upstream's answer is read into memory, then written once.
func bufferedInfo(w http.ResponseWriter, r *http.Request) {
	resp, err := http.Get("http://127.0.0.1:2375/info")
	if err != nil {
		return
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	io.Copy(&buf, io.LimitReader(resp.Body, 1<<20))
	bw := bufio.NewWriter(w)
	bw.Write(buf.Bytes())
	bw.Flush()
}

// ok: a JSON answer through an encoder, once.
func status(w http.ResponseWriter, r *http.Request) {
	json.NewEncoder(w).Encode(map[string]string{"status": "ok"})
}

func shortServer() *http.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("/digest", digest)
	mux.HandleFunc("/info", bufferedInfo)
	mux.HandleFunc("/status", status)
	return &http.Server{Handler: mux, ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute, WriteTimeout: time.Minute} // ok: no handler streams
}

// Chatter streams a model's answer through the callback it is given, one
// call per chunk.
type Chatter interface {
	SendChat(onChunk func(chunk string), r *http.Request) (tokens int)
}

// chatHandler hands the model a callback that writes and flushes each
// chunk as an event: the stream is the callee's loop.
func chatHandler(c Chatter) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		flusher, ok := w.(http.Flusher)
		if !ok {
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		onChunk := func(chunk string) {
			fmt.Fprintf(w, "data: %s\n\n", chunk)
			flusher.Flush()
		}
		c.SendChat(onChunk, r)
	}
}

func callbackServer(c Chatter) *http.Server {
	return &http.Server{Handler: chatHandler(c), ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute,
		WriteTimeout: time.Minute} // want `WriteTimeout \(1m0s\) cuts streaming responses of chatHandler\(c\) \(a callback that writes and flushes, handed to c.SendChat, writers.go:\d+\)`
}

// ok: the callback collects the answer, written once at the end.
func summaryHandler(c Chatter) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var answer bytes.Buffer
		c.SendChat(func(chunk string) { answer.WriteString(chunk) }, r)
		w.Write(answer.Bytes())
	}
}

func summaryServer(c Chatter) *http.Server {
	return &http.Server{Handler: summaryHandler(c), ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute, WriteTimeout: time.Minute} // ok: nothing flushes
}
