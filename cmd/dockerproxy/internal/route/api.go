package route

import (
	"path"
	"strconv"
	"strings"
)

// Body says what a request body means to an endpoint.
type Body int

const (
	// NoBody: the endpoint reads no body; a request that sends one is
	// refused (dockerd 20.10 still reads a HostConfig from the body of
	// start at API versions before 1.24).
	NoBody Body = iota
	// JSON: the endpoint decodes one JSON value from the body.
	JSON
	// Raw: the body is a stream (a tar archive, an image) read as is.
	Raw
)

// Endpoint is one route of dockerd's API router.
type Endpoint struct {
	// Method is the HTTP method; empty for dockerd's /debug routes, which
	// answer any method.
	Method string
	// Path is moby's route template: literal text and variables
	// "{name}" (one segment, regexp [^/]+) or "{name:re}" with re one of
	// ".*" or ".+" (any text but a newline, slashes included).
	Path string
	Body Body
	// Versioned is false for the /debug routes, which dockerd registers
	// without the /v{version} prefix.
	Versioned bool
	// Since is the API version that added the endpoint, when dockerd
	// 20.10 (API 1.41) does not have it; the route test against dockerd
	// 20.10 expects it not to be routed.
	Since string
	parts []part
}

// part is a literal, or a variable when kind is not 0.
type part struct {
	lit  string
	kind byte // 0 literal, 's' [^/]+, '*' .*, '+' .+
}

// Endpoints is dockerd 20.10's router (API 1.41) in registration order,
// with the endpoints later API versions added (Since) in their groups,
// which decides between routes that match the same path: the checkpoint
// router comes before the container router ("DELETE
// /containers/a/checkpoints/b" deletes a checkpoint), the debug routes come
// last.
var Endpoints = compile([]Endpoint{
	// checkpoint
	{Method: "GET", Path: "/containers/{name:.*}/checkpoints"},
	{Method: "POST", Path: "/containers/{name:.*}/checkpoints", Body: JSON},
	{Method: "DELETE", Path: "/containers/{name}/checkpoints/{checkpoint}"},
	// container
	{Method: "HEAD", Path: "/containers/{name:.*}/archive"},
	{Method: "GET", Path: "/containers/json"},
	{Method: "GET", Path: "/containers/{name:.*}/export"},
	{Method: "GET", Path: "/containers/{name:.*}/changes"},
	{Method: "GET", Path: "/containers/{name:.*}/json"},
	{Method: "GET", Path: "/containers/{name:.*}/top"},
	{Method: "GET", Path: "/containers/{name:.*}/logs"},
	{Method: "GET", Path: "/containers/{name:.*}/stats"},
	{Method: "GET", Path: "/containers/{name:.*}/attach/ws"},
	{Method: "GET", Path: "/exec/{id:.*}/json"},
	{Method: "GET", Path: "/containers/{name:.*}/archive"},
	{Method: "POST", Path: "/containers/create", Body: JSON},
	{Method: "POST", Path: "/containers/{name:.*}/kill"},
	{Method: "POST", Path: "/containers/{name:.*}/pause"},
	{Method: "POST", Path: "/containers/{name:.*}/unpause"},
	{Method: "POST", Path: "/containers/{name:.*}/restart"},
	{Method: "POST", Path: "/containers/{name:.*}/start"},
	{Method: "POST", Path: "/containers/{name:.*}/stop"},
	{Method: "POST", Path: "/containers/{name:.*}/wait"},
	{Method: "POST", Path: "/containers/{name:.*}/resize"},
	{Method: "POST", Path: "/containers/{name:.*}/attach"},
	{Method: "POST", Path: "/containers/{name:.*}/exec", Body: JSON},
	{Method: "POST", Path: "/exec/{name:.*}/start", Body: JSON},
	{Method: "POST", Path: "/exec/{name:.*}/resize"},
	{Method: "POST", Path: "/containers/{name:.*}/rename"},
	{Method: "POST", Path: "/containers/{name:.*}/update", Body: JSON},
	{Method: "POST", Path: "/containers/prune"},
	{Method: "POST", Path: "/commit", Body: JSON},
	{Method: "PUT", Path: "/containers/{name:.*}/archive", Body: Raw},
	{Method: "DELETE", Path: "/containers/{name:.*}"},
	// image
	{Method: "GET", Path: "/images/json"},
	{Method: "GET", Path: "/images/search"},
	{Method: "GET", Path: "/images/get"},
	{Method: "GET", Path: "/images/{name:.*}/get"},
	{Method: "GET", Path: "/images/{name:.*}/history"},
	{Method: "GET", Path: "/images/{name:.*}/json"},
	{Method: "POST", Path: "/images/load", Body: Raw},
	{Method: "POST", Path: "/images/create", Body: Raw},
	{Method: "POST", Path: "/images/{name:.*}/push"},
	{Method: "POST", Path: "/images/{name:.*}/tag"},
	{Method: "POST", Path: "/images/prune"},
	{Method: "DELETE", Path: "/images/{name:.*}"},
	{Method: "GET", Path: "/images/{name:.*}/attestations", Since: "1.52"},
	// system
	{Method: "GET", Path: "/_ping"},
	{Method: "HEAD", Path: "/_ping"},
	{Method: "GET", Path: "/events"},
	{Method: "GET", Path: "/info"},
	{Method: "GET", Path: "/version"},
	{Method: "GET", Path: "/system/df"},
	{Method: "POST", Path: "/auth", Body: JSON},
	// volume
	{Method: "GET", Path: "/volumes"},
	{Method: "GET", Path: "/volumes/{name:.*}"},
	{Method: "POST", Path: "/volumes/create", Body: JSON},
	{Method: "POST", Path: "/volumes/prune"},
	{Method: "DELETE", Path: "/volumes/{name:.*}"},
	{Method: "PUT", Path: "/volumes/{name:.*}", Body: JSON, Since: "1.42"},
	// build
	{Method: "POST", Path: "/build", Body: Raw},
	{Method: "POST", Path: "/build/prune"},
	{Method: "POST", Path: "/build/cancel"},
	// session
	{Method: "POST", Path: "/session"},
	// swarm
	{Method: "GET", Path: "/swarm"},
	{Method: "GET", Path: "/swarm/unlockkey"},
	{Method: "POST", Path: "/swarm/init", Body: JSON},
	{Method: "POST", Path: "/swarm/join", Body: JSON},
	{Method: "POST", Path: "/swarm/leave"},
	{Method: "POST", Path: "/swarm/update", Body: JSON},
	{Method: "POST", Path: "/swarm/unlock", Body: JSON},
	{Method: "GET", Path: "/services"},
	{Method: "GET", Path: "/services/{id}"},
	{Method: "POST", Path: "/services/create", Body: JSON},
	{Method: "POST", Path: "/services/{id}/update", Body: JSON},
	{Method: "DELETE", Path: "/services/{id}"},
	{Method: "GET", Path: "/services/{id}/logs"},
	{Method: "GET", Path: "/nodes"},
	{Method: "GET", Path: "/nodes/{id}"},
	{Method: "DELETE", Path: "/nodes/{id}"},
	{Method: "POST", Path: "/nodes/{id}/update", Body: JSON},
	{Method: "GET", Path: "/tasks"},
	{Method: "GET", Path: "/tasks/{id}"},
	{Method: "GET", Path: "/tasks/{id}/logs"},
	{Method: "GET", Path: "/secrets"},
	{Method: "POST", Path: "/secrets/create", Body: JSON},
	{Method: "DELETE", Path: "/secrets/{id}"},
	{Method: "GET", Path: "/secrets/{id}"},
	{Method: "POST", Path: "/secrets/{id}/update", Body: JSON},
	{Method: "GET", Path: "/configs"},
	{Method: "POST", Path: "/configs/create", Body: JSON},
	{Method: "DELETE", Path: "/configs/{id}"},
	{Method: "GET", Path: "/configs/{id}"},
	{Method: "POST", Path: "/configs/{id}/update", Body: JSON},
	// plugin
	{Method: "GET", Path: "/plugins"},
	{Method: "GET", Path: "/plugins/{name:.*}/json"},
	{Method: "GET", Path: "/plugins/privileges"},
	{Method: "DELETE", Path: "/plugins/{name:.*}"},
	{Method: "POST", Path: "/plugins/{name:.*}/enable"},
	{Method: "POST", Path: "/plugins/{name:.*}/disable"},
	{Method: "POST", Path: "/plugins/pull", Body: JSON},
	{Method: "POST", Path: "/plugins/{name:.*}/push"},
	{Method: "POST", Path: "/plugins/{name:.*}/upgrade", Body: JSON},
	{Method: "POST", Path: "/plugins/{name:.*}/set", Body: JSON},
	{Method: "POST", Path: "/plugins/create", Body: Raw},
	// distribution
	{Method: "GET", Path: "/distribution/{name:.*}/json"},
	// grpc (BuildKit)
	{Method: "POST", Path: "/grpc"},
	// network
	{Method: "GET", Path: "/networks"},
	{Method: "GET", Path: "/networks/"},
	{Method: "GET", Path: "/networks/{id:.+}"},
	{Method: "POST", Path: "/networks/create", Body: JSON},
	{Method: "POST", Path: "/networks/{id:.*}/connect", Body: JSON},
	{Method: "POST", Path: "/networks/{id:.*}/disconnect", Body: JSON},
	{Method: "POST", Path: "/networks/prune"},
	{Method: "DELETE", Path: "/networks/{id:.*}"},
	// debug: added by createMux as "/debug"+path, any method, no version
	{Path: "/debug/vars"},
	{Path: "/debug/pprof/"},
	{Path: "/debug/pprof/cmdline"},
	{Path: "/debug/pprof/profile"},
	{Path: "/debug/pprof/symbol"},
	{Path: "/debug/pprof/trace"},
	{Path: "/debug/pprof/{name}"},
})

func compile(eps []Endpoint) []*Endpoint {
	out := make([]*Endpoint, len(eps))
	for i := range eps {
		e := &eps[i]
		e.Versioned = !strings.HasPrefix(e.Path, "/debug/")
		rest := e.Path
		for rest != "" {
			open := strings.IndexByte(rest, '{')
			if open < 0 {
				e.parts = append(e.parts, part{lit: rest})
				break
			}
			if open > 0 {
				e.parts = append(e.parts, part{lit: rest[:open]})
			}
			end := strings.IndexByte(rest, '}')
			v := rest[open+1 : end]
			kind := byte('s')
			if _, re, ok := strings.Cut(v, ":"); ok {
				switch re {
				case ".*":
					kind = '*'
				case ".+":
					kind = '+'
				default:
					panic("route: unsupported variable pattern " + re)
				}
			}
			e.parts = append(e.parts, part{kind: kind})
			rest = rest[end+1:]
		}
		out[i] = e
	}
	return out
}

// Match is what dockerd's router makes of a request.
type Match struct {
	// Endpoint is the route dockerd runs; nil when it runs none (404 or
	// 405).
	Endpoint *Endpoint
	// Version is the API version from the path prefix; empty without one,
	// when dockerd uses its newest.
	Version string
	// Path is the path without the version prefix.
	Path string
	// Redirect is true when the path is not clean: gorilla/mux answers
	// 301 to the cleaned path instead of routing the request.
	Redirect bool
}

// Lookup returns what dockerd's gorilla/mux router does with method and
// the decoded URL path: it redirects paths that are not clean (cleaned as
// mux does, keeping a trailing slash), then takes the first route in
// registration order whose method and template match, trying each
// route's "/v{version:[0-9.]+}" form before its bare form.
func Lookup(method, urlPath string) Match {
	if cleanPath(urlPath) != urlPath {
		return Match{Path: urlPath, Redirect: true}
	}
	version, rest, versioned := splitVersion(urlPath)
	for _, e := range Endpoints {
		if e.Method != "" && e.Method != method {
			continue
		}
		if versioned && e.Versioned && matchParts(e.parts, rest) {
			return Match{Endpoint: e, Version: version, Path: rest}
		}
		if matchParts(e.parts, urlPath) {
			return Match{Endpoint: e, Path: urlPath}
		}
	}
	if versioned {
		return Match{Version: version, Path: rest}
	}
	return Match{Path: urlPath}
}

// splitVersion splits "/v1.41/x" into "1.41" and "/x". The version is the
// longest run of digits and dots after "/v" (at least one), and the rest
// must start with "/", as every template does.
func splitVersion(p string) (version, rest string, ok bool) {
	if !strings.HasPrefix(p, "/v") {
		return "", p, false
	}
	i := 2
	for i < len(p) && (p[i] == '.' || '0' <= p[i] && p[i] <= '9') {
		i++
	}
	if i == 2 || i == len(p) || p[i] != '/' {
		return "", p, false
	}
	return p[2:i], p[i:], true
}

// matchParts reports whether s matches the parts exactly, as the anchored
// regexp gorilla/mux builds from the template would.
func matchParts(parts []part, s string) bool {
	if len(parts) == 0 {
		return s == ""
	}
	p := parts[0]
	if p.kind == 0 {
		return strings.HasPrefix(s, p.lit) && matchParts(parts[1:], s[len(p.lit):])
	}
	// A variable takes s[:n] for some n; "." in Go's regexp does not match
	// a newline, "[^/]" matches anything but a slash.
	min := 0
	if p.kind != '*' {
		min = 1
	}
	for n := 0; n <= len(s); n++ {
		if n > 0 {
			c := s[n-1]
			if (p.kind == 's' && c == '/') || (p.kind != 's' && c == '\n') {
				return false
			}
		}
		if n >= min && matchParts(parts[1:], s[n:]) {
			return true
		}
	}
	return false
}

// cleanPath is gorilla/mux's: path.Clean that keeps a trailing slash.
func cleanPath(p string) string {
	if p == "" {
		return "/"
	}
	if p[0] != '/' {
		p = "/" + p
	}
	np := path.Clean(p)
	if p[len(p)-1] == '/' && np != "/" {
		np += "/"
	}
	return np
}

// CompareVersions compares API versions as dockerd does
// (api/types/versions): dot-separated numbers, a missing or non-numeric
// part counting as 0, so "1.41.0" equals "1.41" and "1..41" is below
// "1.12". It returns -1, 0 or 1.
func CompareVersions(a, b string) int {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	n := max(len(as), len(bs))
	for i := 0; i < n; i++ {
		var x, y int
		if i < len(as) {
			x, _ = strconv.Atoi(as[i])
		}
		if i < len(bs) {
			y, _ = strconv.Atoi(bs[i])
		}
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return 0
}

// FirstVar returns where the endpoint's first variable is in p (a path
// without version prefix that the endpoint matches), as gorilla/mux's
// regexp would capture it: greedy, so "/containers/a/json/json" names
// container "a/json".
func (e *Endpoint) FirstVar(p string) (start, end int, ok bool) {
	off := 0
	for i, pt := range e.parts {
		if pt.kind == 0 {
			if !strings.HasPrefix(p[off:], pt.lit) {
				return 0, 0, false
			}
			off += len(pt.lit)
			continue
		}
		min := 0
		if pt.kind != '*' {
			min = 1
		}
		for n := len(p) - off; n >= min; n-- {
			v := p[off : off+n]
			if (pt.kind == 's' && strings.Contains(v, "/")) || (pt.kind != 's' && strings.Contains(v, "\n")) {
				continue
			}
			if matchParts(e.parts[i+1:], p[off+n:]) {
				return off, off + n, true
			}
		}
		return 0, 0, false
	}
	return 0, 0, false
}
