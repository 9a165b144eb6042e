package policy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/bodyrule"
)

// hook is what a decision asks of the response: a filter of the daemon's
// answer, and functions to run once it arrives (cache invalidation).
type hook struct {
	filter func(*http.Response) error
	after  []func()
}

type hookKey struct{}

// FilterResponses wraps the transport to the daemon so that the answers
// of requests the policy decided apply what the decision asked of them
// (Policy.Check records it in the request's context): the ownership
// filters of lists and events, and dropping cached names once a request
// that changes them is answered. Requests without one pass untouched.
func FilterResponses(rt http.RoundTripper) http.RoundTripper { return filtering{rt} }

type filtering struct{ next http.RoundTripper }

func (t filtering) RoundTrip(r *http.Request) (*http.Response, error) {
	h, _ := r.Context().Value(hookKey{}).(*hook)
	res, err := t.next.RoundTrip(r)
	if h == nil {
		return res, err
	}
	for _, f := range h.after {
		f()
	}
	if err != nil || h.filter == nil || res.StatusCode != http.StatusOK {
		return res, err
	}
	if err := h.filter(res); err != nil {
		res.Body.Close()
		return nil, fmt.Errorf("filtering the daemon's answer for ownership: %w", err)
	}
	return res, nil
}

// Filters reports whether the decision recorded in ctx rewrites the
// daemon's answer (an ownership filter of a list or of events): such an
// answer must pass through the filter, never be relayed around it.
func Filters(ctx context.Context) bool {
	h, _ := ctx.Value(hookKey{}).(*hook)
	return h != nil && h.filter != nil
}

// maxFiltered is the largest answer read whole to be filtered.
const maxFiltered = 64 << 20

// rewriteJSON replaces a JSON answer by what rewrite makes of it.
func rewriteJSON(res *http.Response, rewrite func([]byte) ([]byte, error)) error {
	b, err := io.ReadAll(io.LimitReader(res.Body, maxFiltered+1))
	res.Body.Close()
	if err != nil {
		return err
	}
	if len(b) > maxFiltered {
		return errors.New("the answer is larger than the proxy filters")
	}
	out, err := rewrite(b)
	if err != nil {
		return err
	}
	res.Body = io.NopCloser(bytes.NewReader(out))
	res.ContentLength = int64(len(out))
	res.Header.Set("Content-Length", strconv.Itoa(len(out)))
	res.Header.Del("Transfer-Encoding")
	res.TransferEncoding = nil
	return nil
}

// filterItems keeps the items of a JSON array for which keep holds: b
// itself, or b's field (volume lists: {"Volumes":[…],"Warnings":…}), and
// the first limit of them when limit > 0. Other fields and the items
// kept are forwarded as the daemon wrote them.
func filterItems(b []byte, field string, limit int, keep func(json.RawMessage) bool) ([]byte, error) {
	var outer map[string]json.RawMessage
	arr := b
	if field != "" {
		if err := json.Unmarshal(b, &outer); err != nil {
			return nil, err
		}
		arr = outer[field]
	}
	var items []json.RawMessage
	if len(bytes.TrimSpace(arr)) > 0 && string(bytes.TrimSpace(arr)) != "null" {
		if err := json.Unmarshal(arr, &items); err != nil {
			return nil, err
		}
	}
	kept := make([]json.RawMessage, 0, len(items))
	for _, it := range items {
		if keep(it) && (limit <= 0 || len(kept) < limit) {
			kept = append(kept, it)
		}
	}
	out, err := json.Marshal(kept)
	if err != nil {
		return nil, err
	}
	if field == "" {
		return out, nil
	}
	outer[field] = out
	return json.Marshal(outer)
}

// event is the part of a dockerd event the ownership filter reads.
type event struct {
	Type  string
	Actor struct {
		ID         string
		Attributes map[string]string
	}
}

// remembered is what a Lookup may know of objects since removed (package
// daemon keeps the labels it saw), for their last events.
type remembered interface {
	Remembered(kind, id string) (map[string]string, bool)
}

// events keeps the events of the client's objects: containers (and their
// exec instances) and images carry their labels in the event; networks,
// volumes and swarm objects are looked up (a removed one by the labels
// last seen of it). Events of shared infrastructure (the daemon, nodes,
// plugins) pass; anything else, and events naming no object (prunes),
// do not.
func events(x *ownReq) error {
	if x.c.Admin {
		return nil
	}
	x.filter(func(res *http.Response) error {
		res.Body = &eventFilter{src: res.Body, dec: json.NewDecoder(res.Body), keep: x.eventKept}
		res.ContentLength = -1
		res.Header.Del("Content-Length")
		return nil
	})
	return nil
}

func (x *ownReq) eventKept(ev *event) bool {
	a := ev.Actor
	switch ev.Type {
	case "daemon", "node", "plugin":
		return true
	case "container", "image":
		return a.ID != "" && x.c.Owns(a.Attributes)
	case "network":
		if c := a.Attributes["container"]; c != "" {
			// Connect and disconnect are about the container.
			info, err := x.o.Lookup.Container(c)
			return err == nil && x.c.Owns(info.Labels)
		}
		return x.ownedByID(bodyrule.KindNetwork, a.ID, func() (map[string]string, error) {
			n, err := x.o.Lookup.Network(a.ID)
			if err != nil {
				return nil, err
			}
			return n.Labels, nil
		})
	case "volume":
		return x.ownedByID(bodyrule.KindVolume, a.ID, func() (map[string]string, error) {
			v, err := x.o.Lookup.Volume(a.ID)
			if err != nil {
				return nil, err
			}
			return v.Labels, nil
		})
	case "service", "secret", "config":
		kind := ev.Type + "s"
		return x.ownedByID(kind, a.ID, func() (map[string]string, error) {
			o, err := x.o.Lookup.Object(kind, a.ID)
			if err != nil {
				return nil, err
			}
			return o.Labels, nil
		})
	}
	return false
}

func (x *ownReq) ownedByID(kind, id string, look func() (map[string]string, error)) bool {
	if id == "" || x.o.Lookup == nil {
		return false
	}
	labels, err := look()
	if err != nil {
		r, ok := x.o.Lookup.(remembered)
		if !ok {
			return false
		}
		if labels, ok = r.Remembered(kind, id); !ok {
			return false
		}
	}
	return x.c.Owns(labels)
}

// eventFilter forwards the events keep holds for, one JSON object per
// line as dockerd writes them, each as soon as it is decoded.
type eventFilter struct {
	src  io.ReadCloser
	dec  *json.Decoder
	keep func(*event) bool

	pending []byte
	err     error
}

func (f *eventFilter) Read(p []byte) (int, error) {
	for len(f.pending) == 0 {
		if f.err != nil {
			return 0, f.err
		}
		var raw json.RawMessage
		if err := f.dec.Decode(&raw); err != nil {
			f.err = err
			continue
		}
		var ev event
		if json.Unmarshal(raw, &ev) == nil && f.keep(&ev) {
			f.pending = append(append(f.pending[:0], raw...), '\n')
		}
	}
	n := copy(p, f.pending)
	f.pending = f.pending[n:]
	return n, nil
}

func (f *eventFilter) Close() error { return f.src.Close() }
