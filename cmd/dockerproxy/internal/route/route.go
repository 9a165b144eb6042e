// Package route classifies Docker Engine API requests into stream classes.
//
// The class decides which inactivity limit applies to a request: a
// container log follow may stay silent for hours, a push must keep making
// progress, and an image save must keep moving bytes. The Docker API may
// prefix every path with a version (/v1.41/containers/json); [Strip]
// removes it so that classification and policy see one spelling.
package route

import (
	"net/http"
	"strings"
)

// Class is the stream class of a request.
type Class int

const (
	// Short is any request not listed below: inspect, list, create, ping.
	Short Class = iota
	// Progress is a request whose response is a JSON progress stream that
	// may pause between steps: pull, push, build, commit.
	Progress
	// Bulk is a request whose body or response is a large byte stream that
	// should keep moving: save, load, export, archive.
	Bulk
	// Idle is a stream that may stay silent for hours by design: events,
	// logs with follow, stats, wait.
	Idle
	// Upgrade is a request that asks for a protocol switch: attach, exec
	// start, BuildKit session. After the switch the proxy only copies bytes.
	Upgrade
)

// Classes lists every class, in order.
var Classes = []Class{Short, Progress, Bulk, Idle, Upgrade}

// String returns the lower-case name used in flags, logs and metrics.
func (c Class) String() string {
	switch c {
	case Short:
		return "short"
	case Progress:
		return "progress"
	case Bulk:
		return "bulk"
	case Idle:
		return "idle"
	case Upgrade:
		return "upgrade"
	}
	return "unknown"
}

// Strip returns path without its version prefix, cut where dockerd's
// router cuts it ("/v{version:[0-9.]+}"): /v1.41.0/info and /v./info are
// /info to dockerd too.
func Strip(path string) string {
	_, rest, _ := splitVersion(path)
	return rest
}

// Classify returns the stream class of r.
func Classify(r *http.Request) Class {
	if isUpgrade(r.Header) {
		return Upgrade
	}
	p := Strip(r.URL.Path)
	seg := strings.Split(strings.Trim(p, "/"), "/")
	q := r.URL.Query()
	last := seg[len(seg)-1]
	switch {
	case p == "/events":
		return Idle
	case seg[0] == "containers" && len(seg) == 3:
		switch last {
		case "logs":
			if truthy(q.Get("follow")) {
				return Idle
			}
			return Bulk
		case "stats":
			// stream defaults to true.
			if q.Get("stream") == "" || truthy(q.Get("stream")) {
				return Idle
			}
			return Short
		case "wait", "attach":
			return Idle
		case "export", "archive":
			return Bulk
		}
	case (seg[0] == "services" || seg[0] == "tasks") && len(seg) == 3 && last == "logs":
		if truthy(q.Get("follow")) {
			return Idle
		}
		return Bulk
	case p == "/images/create" || p == "/build" || p == "/commit":
		return Progress
	case seg[0] == "images" && len(seg) >= 3 && last == "push":
		return Progress
	case p == "/images/load" || p == "/images/get":
		return Bulk
	case seg[0] == "images" && len(seg) >= 3 && last == "get":
		return Bulk
	case p == "/plugins/pull" || (seg[0] == "plugins" && (last == "push" || last == "upgrade")):
		return Progress
	}
	return Short
}

func truthy(v string) bool {
	return v == "1" || strings.EqualFold(v, "true")
}

func isUpgrade(h http.Header) bool {
	for _, v := range h.Values("Connection") {
		for _, tok := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(tok), "upgrade") {
				return h.Get("Upgrade") != ""
			}
		}
	}
	return false
}
