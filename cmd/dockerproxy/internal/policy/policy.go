// Package policy decides which Docker API requests a client may make.
//
// A request is judged on what dockerd will do with it, not on its HTTP
// method: the path is routed as dockerd's router routes it
// ([route.Lookup]: the /v{version} prefix cut where dockerd cuts it, the
// first matching route in dockerd's order), the API version must not be
// older than a minimum (old versions re-open removed parameters, such as a
// HostConfig in the body of start), an endpoint that reads no body gets
// none, and the JSON bodies that can give a container the host (container
// create and update, exec, services, volumes, networks, plugins) are
// checked by [bodyrule] and forwarded byte for byte as checked.
//
// A policy is a profile, optionally extended by allow rules:
//
//   - all: everything passes, unchecked.
//   - observe (alias read-only): reading state, logs, events and stats.
//   - build-push: observe, plus build, pull, tag, push and remove images.
//   - ci-runner: build-push, plus running containers: create, start,
//     attach, exec, copy files, networks and volumes.
//   - full: every endpoint the proxy can inspect.
//   - allowlist: only the allow rules.
//
// Allow rules are "METHOD /path/pattern": [path.Match] syntax on the path
// without its version prefix ("GET /containers/*/json"), a method of "*"
// matching any. HEAD and GET /_ping and GET /version are always allowed:
// the docker CLI calls them first to negotiate the API version. Every
// policy but all applies the version, body and query rules, to allow
// rules as well: allowing an endpoint does not allow privileged or
// host-namespace settings through it.
package policy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/bodyrule"
	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/buildctx"
	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/identity"
	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/loadtar"
	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/owner"
	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/route"
)

// DefaultMinAPIVersion is the oldest API version allowed: dockerd 20.10
// still reads a HostConfig (binds, privileged, capabilities) from the body
// of POST /containers/{id}/start at versions before 1.24.
const DefaultMinAPIVersion = "1.24"

// MaxJSONBody is the largest JSON body the proxy reads to decide on it.
const MaxJSONBody = 4 << 20

// Options configure a policy.
type Options struct {
	// Name is a profile: all, observe, read-only, build-push, ci-runner,
	// full or allowlist.
	Name string
	// Allow are rules "METHOD /path/pattern" that extend the profile.
	Allow []string
	// MinAPIVersion is the oldest API version allowed in a path prefix;
	// empty means DefaultMinAPIVersion.
	MinAPIVersion string
	// Body are the exceptions the body rules grant (host paths for bind
	// mounts, log drivers).
	Body bodyrule.Options
	// Ownership makes every client own what it creates: objects get its
	// label, and requests may name only its objects (package owner). Off
	// under all.
	Ownership bool
	// Admin: under ownership, the clients of this policy act on every
	// object and see every object (what they create is still labelled).
	Admin bool
}

// Daemon looks up, for one request, the objects its body names (see
// bodyrule.Lookup); package daemon implements it with a short cache.
type Daemon interface {
	For(ctx context.Context) bodyrule.Lookup
}

// Policy decides on requests.
type Policy struct {
	name    string
	all     bool
	allowed map[*route.Endpoint]bool
	rules   []rule
	min     string
	body    bodyrule.Options
	daemon  Daemon
	// ownership and admin: see Options.
	ownership, admin bool
}

// UseDaemon makes p look up the objects bodies name through d; call it
// before p decides on requests. Without a daemon, a body that names
// another container or a swarm network is refused.
func (p *Policy) UseDaemon(d Daemon) { p.daemon = d }

type rule struct{ method, pattern string }

// Methods an allow rule may name: those dockerd routes.
var methods = map[string]bool{"GET": true, "HEAD": true, "POST": true, "PUT": true, "DELETE": true, "*": true}

// Parse builds a policy from a profile name and allow rules, with the
// default minimum API version and no bind paths.
func Parse(name string, rules []string) (*Policy, error) {
	return New(Options{Name: name, Allow: rules})
}

// New builds a policy.
func New(o Options) (*Policy, error) {
	p := &Policy{name: o.Name, min: o.MinAPIVersion, body: o.Body, ownership: o.Ownership, admin: o.Admin}
	if p.min == "" {
		p.min = DefaultMinAPIVersion
	}
	if !validVersion(p.min) {
		return nil, fmt.Errorf("bad minimum API version %q: want numbers separated by dots, such as 1.24", p.min)
	}
	switch o.Name {
	case "all":
		if len(o.Allow) > 0 {
			return nil, fmt.Errorf("policy %q takes no allow rules; use a profile or \"allowlist\"", o.Name)
		}
		p.all = true
		return p, nil
	case "allowlist":
		if len(o.Allow) == 0 {
			return nil, fmt.Errorf("policy allowlist needs at least one rule")
		}
		p.allowed = map[*route.Endpoint]bool{}
	default:
		prof, ok := profiles[o.Name]
		if !ok {
			return nil, fmt.Errorf("unknown policy %q (want %s)", o.Name, strings.Join(Names, ", "))
		}
		p.allowed = prof
	}
	for _, s := range o.Allow {
		m, pat, ok := strings.Cut(strings.TrimSpace(s), " ")
		pat = strings.TrimSpace(pat)
		if !ok || !strings.HasPrefix(pat, "/") {
			return nil, fmt.Errorf("bad allow rule %q: want \"METHOD /path/pattern\"", s)
		}
		if !methods[m] && !methods[strings.ToUpper(m)] {
			return nil, fmt.Errorf("bad allow rule %q: method %q is not one of GET, HEAD, POST, PUT, DELETE or *", s, m)
		}
		if _, err := path.Match(pat, ""); err != nil {
			return nil, fmt.Errorf("bad allow rule %q: %v", s, err)
		}
		if c := path.Clean(pat); c != pat {
			return nil, fmt.Errorf("bad allow rule %q: pattern is not a clean path (%q); requests must be clean, so it would never match", s, c)
		}
		if strings.ContainsAny(pat, "=#&") {
			// "?" is path.Match's one-character wildcard, but "=" and "#"
			// mean a query was meant: rules match paths only.
			return nil, fmt.Errorf("bad allow rule %q: rules match paths, not queries", s)
		}
		p.rules = append(p.rules, rule{strings.ToUpper(m), route.Strip(pat)})
	}
	return p, nil
}

func validVersion(v string) bool {
	if v == "" || v[0] == '.' || v[len(v)-1] == '.' || strings.Contains(v, "..") {
		return false
	}
	return strings.Trim(v, "0123456789.") == ""
}

// String returns the policy name.
func (p *Policy) String() string { return p.name }

// Denial is a refused request: the status, a metrics reason and the
// message for the client.
type Denial struct {
	Code    int
	Reason  string // "policy", "body", "bad_request", "version"
	Message string
}

func (d *Denial) Error() string { return d.Message }

// Allow reports whether method and urlPath name an allowed endpoint. It
// ignores the version, query and body rules that [Policy.Check] applies.
func (p *Policy) Allow(method, urlPath string) bool {
	if p.all {
		return true
	}
	return p.endpointAllowed(method, route.Lookup(method, urlPath))
}

func (p *Policy) endpointAllowed(method string, m route.Match) bool {
	if e := m.Endpoint; e != nil {
		if (e.Path == "/_ping" && (method == "GET" || method == "HEAD")) || (e.Path == "/version" && method == "GET") {
			return true
		}
		if p.allowed[e] {
			return true
		}
	}
	for _, r := range p.rules {
		if r.method != "*" && r.method != method {
			continue
		}
		if ok, _ := path.Match(r.pattern, m.Path); ok {
			return true
		}
	}
	return false
}

// Check decides on r for the client its context names (package
// identity); see CheckClient.
func (p *Policy) Check(r *http.Request) *Denial { return p.CheckClient(r, identity.From(r.Context())) }

// CheckClient decides on r for client (its identity, "" for none). When
// it allows a request with a body it reads, it replaces r.Body with the
// bytes it read and decided on, with a matching Content-Length, so that
// dockerd receives exactly those. Under ownership it may also rewrite
// r's path and query (references pinned to IDs, the client's filters)
// and give r a context asking for the answer to be filtered
// (FilterResponses).
func (p *Policy) CheckClient(r *http.Request, client string) *Denial {
	if p.all {
		return nil
	}
	m := route.Lookup(r.Method, r.URL.Path)
	show := r.Method + " " + m.Path
	if m.Redirect {
		return &Denial{http.StatusBadRequest, "bad_request", "dockerproxy: path must be clean and absolute"}
	}
	if m.Version != "" && route.CompareVersions(m.Version, p.min) < 0 {
		return &Denial{http.StatusBadRequest, "version", fmt.Sprintf("dockerproxy: client version %s is too old. Minimum supported API version is %s, please upgrade your client to a newer version", m.Version, p.min)}
	}
	if !p.endpointAllowed(r.Method, m) {
		return &Denial{http.StatusForbidden, "policy", fmt.Sprintf("dockerproxy: %s is not allowed by policy %s", show, p)}
	}
	// dockerd reads parameters with r.FormValue: from a form body first,
	// then the query. A form body would carry parameters the query checks
	// never see, and dockerd built with Go before 1.17 splits queries at
	// ";" where the proxy does not.
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mt, _, _ := mime.ParseMediaType(ct); mt == "application/x-www-form-urlencoded" || mt == "multipart/form-data" {
			return &Denial{http.StatusBadRequest, "bad_request", "dockerproxy: form bodies are not accepted; the Docker API takes parameters in the query"}
		}
	}
	if strings.Contains(r.URL.RawQuery, ";") {
		return &Denial{http.StatusBadRequest, "bad_request", "dockerproxy: \";\" in a query is not accepted"}
	}
	var owned *owner.Client
	if p.ownership {
		owned = &owner.Client{Name: client, Admin: p.admin}
	}
	e := m.Endpoint
	if e == nil {
		// Allowed by a rule but unknown to dockerd 20.10's router (a newer
		// daemon's endpoint): no body rule applies, and no ownership rule
		// can say what it names.
		if owned != nil && !owned.Admin {
			return &Denial{http.StatusForbidden, "owner", fmt.Sprintf("dockerproxy: %s: an endpoint the proxy does not know cannot be judged for ownership; only admin clients may use it", show)}
		}
		return nil
	}
	if isUpgrade(r.Header) && !hijacks[e.Path] {
		return &Denial{http.StatusForbidden, "policy", fmt.Sprintf("dockerproxy: %s does not switch protocols; upgrade refused", show)}
	}
	opts := p.body
	if p.daemon != nil {
		opts.Lookup = p.daemon.For(r.Context())
	}
	opts.Owner = owned
	if d := queryRule(e, r, opts); d != "" {
		return &Denial{http.StatusForbidden, "body", fmt.Sprintf("dockerproxy: %s: %s is not allowed by policy %s", show, d, p)}
	}
	if owned != nil {
		if err := p.checkOwnership(r, m, owned, opts, show); err != nil {
			return p.refusal(show, err)
		}
	}
	switch e.Body {
	case route.NoBody:
		return noBody(r, show)
	case route.JSON:
		body, d := readBody(r, show)
		if d != nil {
			return d
		}
		check := bodyRules[e.Method+" "+e.Path]
		if check == nil {
			check = bodyrule.Valid
		}
		forward, err := check(body, opts)
		if err != nil {
			return p.refusal(show, err)
		}
		if !bytes.Equal(forward, body) {
			setBody(r, forward)
		}
	case route.Raw:
		if e.Method == "POST" && e.Path == "/build" {
			p.checkBuildContext(r, show, opts)
		}
	}
	return nil
}

// refusal is the answer to a request a rule refused with err: 403 for a
// setting or an object the policy does not allow, 404 (dockerd's
// message, which the CLI acts on: it pulls a missing image) for an
// object that does not exist, 400 for a malformed request.
func (p *Policy) refusal(show string, err error) *Denial {
	var denied *bodyrule.Denied
	var missing *bodyrule.NotFound
	switch {
	case errors.As(err, &missing):
		return &Denial{http.StatusNotFound, "not_found", missing.Error()}
	case errors.As(err, &denied):
		return &Denial{http.StatusForbidden, "body", fmt.Sprintf("dockerproxy: %s: %s by policy %s", show, err, p)}
	}
	return &Denial{http.StatusBadRequest, "bad_request", fmt.Sprintf("dockerproxy: %s: %v", show, err)}
}

// checkBuildContext replaces a build's context with one checked as it
// streams (package buildctx): a refusal fails the read, and the proxy
// answers with the Denial the read error carries.
func (p *Policy) checkBuildContext(r *http.Request, show string, opts bodyrule.Options) {
	if r.Body == nil || r.Body == http.NoBody {
		return
	}
	var more []func([]byte) error
	if c := opts.Owner; c != nil && !c.Admin {
		more = append(more, ownDockerfile(r.URL.Query().Get("buildargs"), opts))
	}
	br := buildctx.Reader(r.Body, r.URL.Query().Get("dockerfile"), more...)
	r.Body = &refusingBody{r: br, c: r.Body, show: show, policy: p.name}
	r.ContentLength = -1
	r.Header.Del("Content-Length")
	r.GetBody = nil
}

// refusingBody turns the refusal of a body checked as it streams (a
// build context, an image archive) into a Denial, which the proxy's
// error handler answers.
type refusingBody struct {
	r            io.Reader
	c            io.Closer
	show, policy string
}

func (b *refusingBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	var built *buildctx.Refused
	var loaded *loadtar.Refused
	what := ""
	switch {
	case errors.As(err, &built):
		what = built.What
	case errors.As(err, &loaded):
		what = loaded.What
	}
	if what != "" {
		err = &Denial{http.StatusForbidden, "body", fmt.Sprintf("dockerproxy: %s: %s is not allowed by policy %s", b.show, what, b.policy)}
	}
	return n, err
}

func (b *refusingBody) Close() error { return b.c.Close() }

// hijacks are the endpoints that take over the connection: attach, exec
// start, BuildKit's session and gRPC.
var hijacks = map[string]bool{
	"/containers/{name:.*}/attach":    true,
	"/containers/{name:.*}/attach/ws": true,
	"/exec/{name:.*}/start":           true,
	"/session":                        true,
	"/grpc":                           true,
}

// bodyRules are the checks of every endpoint that reads a JSON body; an
// endpoint missing here (the swagger test lists them) would get
// bodyrule.Valid, which only checks that the body is well-formed.
var bodyRules = map[string]bodyrule.Check{
	"POST /containers/create":                bodyrule.ContainerCreate,
	"POST /containers/{name:.*}/update":      bodyrule.ContainerUpdate,
	"POST /containers/{name:.*}/exec":        bodyrule.ExecCreate,
	"POST /services/create":                  bodyrule.ServiceSpec,
	"POST /services/{id}/update":             bodyrule.ServiceSpec,
	"POST /volumes/create":                   bodyrule.VolumeCreate,
	"POST /networks/create":                  bodyrule.NetworkCreate,
	"POST /networks/{id:.*}/connect":         bodyrule.NetworkConnect,
	"POST /networks/{id:.*}/disconnect":      bodyrule.NetworkDisconnect,
	"POST /secrets/create":                   bodyrule.SecretCreate,
	"POST /secrets/{id}/update":              bodyrule.SecretCreate,
	"POST /configs/create":                   bodyrule.ConfigCreate,
	"POST /configs/{id}/update":              bodyrule.ConfigCreate,
	"POST /plugins/pull":                     bodyrule.PluginPrivileges,
	"POST /plugins/{name:.*}/upgrade":        bodyrule.PluginPrivileges,
	"POST /plugins/{name:.*}/set":            bodyrule.PluginSet,
	"POST /containers/{name:.*}/checkpoints": bodyrule.Checkpoint,
	"PUT /volumes/{name:.*}":                 bodyrule.VolumeUpdate,
	// Well-formed is all these need: credentials, a commit's image
	// config (applied to an image, not run; the owner's label comes with
	// the changes parameter), exec start flags, a node's role and labels, the swarm's own
	// settings (both out of every profile but all).
	"POST /auth":                 bodyrule.Valid,
	"POST /commit":               bodyrule.Valid,
	"POST /exec/{name:.*}/start": bodyrule.Valid,

	"POST /nodes/{id}/update": bodyrule.Valid,
	"POST /swarm/init":        bodyrule.Valid,
	"POST /swarm/join":        bodyrule.Valid,
	"POST /swarm/update":      bodyrule.Valid,
	"POST /swarm/unlock":      bodyrule.Valid,
}

// queryRule returns what a query asks that the policy refuses, or "".
// Booleans are read as dockerd reads them (httputils.BoolValue: anything
// but "", "0", "no", "false" and "none" is true) and a repeated parameter
// by its first value, as r.FormValue does.
func queryRule(e *route.Endpoint, r *http.Request, opts bodyrule.Options) string {
	q := r.URL.Query()
	// Checkpoints (experimental) are read from and written to a host
	// directory of the client's choosing.
	if q.Get("checkpoint-dir") != "" || (strings.Contains(e.Path, "/checkpoints") && q.Get("dir") != "") {
		return "a checkpoint directory on the host"
	}
	switch e.Method + " " + e.Path {
	case "POST /build":
		if nm := strings.TrimSpace(q.Get("networkmode")); strings.EqualFold(nm, "host") {
			return "networkmode=host"
		} else if ref, ok := bodyrule.ContainerRef(nm); ok {
			// Every RUN step joins that container's network namespace.
			id, err := bodyrule.JoinContainer(ref, "networkmode", opts)
			if err != nil {
				return strings.TrimSuffix(err.Error(), " is not allowed")
			}
			q["networkmode"] = []string{"container:" + id}
			r.URL.RawQuery = q.Encode()
		}
		if v := q.Get("version"); v != "" && v != "1" {
			// BuildKit: the Dockerfile and the context come over /session,
			// which the proxy does not read.
			return "a BuildKit build (version=" + v + "; its Dockerfile, which the proxy reads to refuse ADD from URLs, would come over /session)"
		}
		if q.Get("remote") != "" {
			return "a remote build context (the daemon fetches it)"
		}
		if q.Get("cgroupparent") != "" {
			return "cgroupparent"
		}
	case "POST /images/create":
		if q.Get("fromImage") == "" && q.Get("fromSrc") != "-" {
			return "importing from a URL (the daemon fetches it)"
		}
	}
	return ""
}

// noBody refuses a body sent to an endpoint that reads none, and makes
// sure that none is forwarded.
func noBody(r *http.Request, show string) *Denial {
	if r.Body == nil || r.Body == http.NoBody {
		return nil
	}
	var one [1]byte
	n, err := io.ReadFull(r.Body, one[:])
	if n > 0 {
		return &Denial{http.StatusBadRequest, "bad_request", fmt.Sprintf("dockerproxy: %s takes no request body", show)}
	}
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return &Denial{http.StatusBadRequest, "bad_request", fmt.Sprintf("dockerproxy: reading the request body: %v", err)}
	}
	setBody(r, nil)
	return nil
}

// readBody reads the whole body, up to MaxJSONBody, and puts the bytes
// back for forwarding.
func readBody(r *http.Request, show string) ([]byte, *Denial) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, MaxJSONBody+1))
	if err != nil {
		return nil, &Denial{http.StatusBadRequest, "bad_request", fmt.Sprintf("dockerproxy: reading the request body: %v", err)}
	}
	if len(b) > MaxJSONBody {
		return nil, &Denial{http.StatusRequestEntityTooLarge, "bad_request", fmt.Sprintf("dockerproxy: the body of %s is larger than %d bytes", show, MaxJSONBody)}
	}
	setBody(r, b)
	return b, nil
}

// setBody makes b the body dockerd receives, framed by Content-Length
// whatever framing the client used (chunked, or none).
func setBody(r *http.Request, b []byte) {
	r.Body.Close()
	r.TransferEncoding = nil
	r.Header.Del("Transfer-Encoding")
	r.ContentLength = int64(len(b))
	if len(b) == 0 {
		r.Body = http.NoBody
		r.Header.Del("Content-Length")
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(b))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
}

func isUpgrade(h http.Header) bool {
	for _, v := range h.Values("Connection") {
		for _, tok := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(tok), "upgrade") {
				return true
			}
		}
	}
	return h.Get("Upgrade") != ""
}
