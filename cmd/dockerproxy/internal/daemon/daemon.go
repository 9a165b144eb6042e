// Package daemon looks up, through the Docker daemon, the objects a
// request's body names (bodyrule.Lookup): the container a
// container:<name> mode or VolumesFrom joins, the networks a service's
// network Target may name. Answers are cached briefly (TTL), so that a
// burst of creates joining one container costs one inspect, and only
// requests that name such objects pay a round trip at all.
package daemon

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"

	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/bodyrule"
)

// DefaultTTL is how long an answer is reused. A container's namespaces,
// privileges and mounts never change after create, and a reference is
// pinned to the ID that was judged, so a stale answer can only point at
// a container that was judged; networks are listed anew after it.
const DefaultTTL = 2 * time.Second

// maxEntries bounds the cache; past it the cache starts over.
const maxEntries = 4096

// Resolver asks the daemon and caches its answers.
type Resolver struct {
	rt   http.RoundTripper
	base string
	ttl  time.Duration

	// Calls counts requests sent to the daemon (tests, benchmarks).
	Calls atomic.Int64

	mu         sync.Mutex
	containers map[string]containerEntry
	networks   networksEntry
}

type containerEntry struct {
	at   time.Time
	info *bodyrule.ContainerInfo
	err  error
}

type networksEntry struct {
	at   time.Time
	list []bodyrule.NetworkInfo
}

// New returns a Resolver that sends requests through rt to the daemon at
// base (unix:// URLs go to http://localhost, as rt dials the socket).
func New(rt http.RoundTripper, base *url.URL, ttl time.Duration) *Resolver {
	b := strings.TrimSuffix(base.String(), "/")
	if base.Scheme == "unix" {
		b = "http://localhost"
	}
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	return &Resolver{rt: rt, base: b, ttl: ttl, containers: map[string]containerEntry{}}
}

// For returns the lookups of one request, made with its context.
func (r *Resolver) For(ctx context.Context) bodyrule.Lookup { return lookup{r, ctx} }

type lookup struct {
	r   *Resolver
	ctx context.Context
}

func (l lookup) Container(ref string) (*bodyrule.ContainerInfo, error) {
	return l.r.container(l.ctx, ref)
}

func (l lookup) Networks(ref string) ([]bodyrule.NetworkInfo, error) {
	return l.r.networksFor(l.ctx, ref)
}

func (r *Resolver) container(ctx context.Context, ref string) (*bodyrule.ContainerInfo, error) {
	now := time.Now()
	r.mu.Lock()
	if e, ok := r.containers[ref]; ok && now.Sub(e.at) < r.ttl {
		r.mu.Unlock()
		return e.info, e.err
	}
	r.mu.Unlock()
	var c struct {
		ID         string `json:"Id"`
		Name       string
		HostConfig *container.HostConfig
	}
	status, err := r.get(ctx, "/containers/"+url.PathEscape(ref)+"/json", &c)
	var info *bodyrule.ContainerInfo
	switch {
	case err != nil:
		return nil, err // not cached: the next request asks again
	case status == http.StatusNotFound:
		err = bodyrule.ErrNotFound
	case status != http.StatusOK:
		return nil, fmt.Errorf("the daemon answered %d", status)
	case c.ID == "":
		return nil, fmt.Errorf("the daemon's answer has no ID")
	default:
		info = &bodyrule.ContainerInfo{ID: c.ID, Name: c.Name, HostConfig: c.HostConfig}
	}
	r.mu.Lock()
	if len(r.containers) >= maxEntries {
		r.containers = map[string]containerEntry{}
	}
	r.containers[ref] = containerEntry{at: now, info: info, err: err}
	r.mu.Unlock()
	return info, err
}

// networksFor returns every network ref may name: the swarm resolves a
// Target by full ID, name or ID prefix, and dockerd's inspect does so in
// an order of its own; all of them are returned, so that no order matters.
func (r *Resolver) networksFor(ctx context.Context, ref string) ([]bodyrule.NetworkInfo, error) {
	list, err := r.networkList(ctx)
	if err != nil {
		return nil, err
	}
	var out []bodyrule.NetworkInfo
	for _, n := range list {
		if n.ID == ref || n.Name == ref || strings.HasPrefix(n.ID, ref) {
			out = append(out, n)
		}
	}
	return out, nil
}

func (r *Resolver) networkList(ctx context.Context) ([]bodyrule.NetworkInfo, error) {
	now := time.Now()
	r.mu.Lock()
	if e := r.networks; e.list != nil && now.Sub(e.at) < r.ttl {
		r.mu.Unlock()
		return e.list, nil
	}
	r.mu.Unlock()
	var nets []network.Summary
	status, err := r.get(ctx, "/networks", &nets)
	if err != nil {
		return nil, err
	}
	if status != http.StatusOK {
		return nil, fmt.Errorf("the daemon answered %d", status)
	}
	list := make([]bodyrule.NetworkInfo, 0, len(nets))
	for _, n := range nets {
		info := bodyrule.NetworkInfo{ID: n.ID, Name: n.Name, Driver: n.Driver, Scope: n.Scope, Options: n.Options}
		info.IPAM = n.IPAM
		list = append(list, info)
	}
	r.mu.Lock()
	r.networks = networksEntry{at: now, list: list}
	r.mu.Unlock()
	return list, nil
}

// get sends GET path (no version prefix: the daemon's own version) and
// decodes a 200 answer into v.
func (r *Resolver) get(ctx context.Context, path string, v any) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.base+path, nil)
	if err != nil {
		return 0, err
	}
	r.Calls.Add(1)
	res, err := r.rt.RoundTrip(req)
	if err != nil {
		return 0, fmt.Errorf("asking the daemon: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
		return res.StatusCode, nil
	}
	if err := json.NewDecoder(io.LimitReader(res.Body, 16<<20)).Decode(v); err != nil {
		return 0, fmt.Errorf("reading the daemon's answer: %w", err)
	}
	return res.StatusCode, nil
}
