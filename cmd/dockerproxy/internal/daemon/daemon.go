// Package daemon looks up, through the Docker daemon, the objects a
// request names (bodyrule.Lookup): the container a container:<name> mode
// or VolumesFrom joins, the networks a service's network Target may name,
// and, for ownership, the owner label of every container, image, network,
// volume, exec instance and swarm object a request names. Answers are
// cached briefly (TTL), so that a burst of requests naming one object
// costs one inspect, and only requests that name an object pay a round
// trip at all. A request that may rename, remove or create objects of a
// kind drops what is cached of that kind (Forget), before it is forwarded
// and again once it is answered.
package daemon

import (
	"bytes"
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
	"github.com/moby/moby/api/types/volume"

	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/bodyrule"
	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/owner"
)

const ownerKey = owner.Key

// DefaultTTL is how long an answer is reused. A container's namespaces,
// privileges and mounts never change after create, no object's owner
// label changes, and a reference that another name could shadow is
// pinned to the ID that was judged, so a stale answer can only point at
// an object that was judged; requests through the proxy that change
// names drop the cache of their kind.
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

	mu       sync.Mutex
	cache    map[key]entry
	networks networksEntry
	// seen keeps the labels of networks, volumes and swarm objects by ID
	// (a volume's by name) after the TTL, for the events of objects
	// removed since: a "destroy" event names an object no inspect finds.
	seen map[key]map[string]string
}

type key struct{ kind, ref string }

type entry struct {
	at    time.Time
	value any
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
	return &Resolver{rt: rt, base: b, ttl: ttl, cache: map[key]entry{}, seen: map[key]map[string]string{}}
}

// For returns the lookups of one request, made with its context.
func (r *Resolver) For(ctx context.Context) bodyrule.Lookup { return lookup{r, ctx} }

type lookup struct {
	r   *Resolver
	ctx context.Context
}

func (l lookup) Container(ref string) (*bodyrule.ContainerInfo, error) {
	v, err := cached(l, bodyrule.KindContainer, ref, func() (*bodyrule.ContainerInfo, error) {
		var c struct {
			ID         string `json:"Id"`
			Name       string
			HostConfig *container.HostConfig
			Config     *struct{ Labels map[string]string }
		}
		if err := l.r.get(l.ctx, "/containers/"+url.PathEscape(ref)+"/json", &c); err != nil {
			return nil, err
		}
		if c.ID == "" {
			return nil, fmt.Errorf("the daemon's answer has no ID")
		}
		info := &bodyrule.ContainerInfo{ID: c.ID, Name: c.Name, HostConfig: c.HostConfig}
		if c.Config != nil {
			info.Labels = c.Config.Labels
		}
		return info, nil
	})
	return v, err
}

func (l lookup) Networks(ref string) ([]bodyrule.NetworkInfo, error) {
	return l.r.networksFor(l.ctx, ref)
}

func (l lookup) Network(ref string) (*bodyrule.NetworkInfo, error) {
	return cached(l, bodyrule.KindNetwork, ref, func() (*bodyrule.NetworkInfo, error) {
		var n network.Inspect
		if err := l.r.get(l.ctx, "/networks/"+url.PathEscape(ref), &n); err != nil {
			return nil, err
		}
		if n.ID == "" {
			return nil, fmt.Errorf("the daemon's answer has no ID")
		}
		l.r.remember(bodyrule.KindNetwork, n.ID, n.Labels)
		return &bodyrule.NetworkInfo{ID: n.ID, Name: n.Name, Driver: n.Driver, Scope: n.Scope, Options: n.Options, IPAM: n.IPAM, Labels: n.Labels, Ingress: n.Ingress}, nil
	})
}

func (l lookup) Image(ref string) (*bodyrule.ImageInfo, error) {
	return cached(l, bodyrule.KindImage, ref, func() (*bodyrule.ImageInfo, error) {
		var img struct {
			ID       string `json:"Id"`
			RepoTags []string
			Config   *struct{ Labels map[string]string }
		}
		if err := l.r.get(l.ctx, "/images/"+url.PathEscape(ref)+"/json", &img); err != nil {
			return nil, err
		}
		if img.ID == "" {
			return nil, fmt.Errorf("the daemon's answer has no ID")
		}
		info := &bodyrule.ImageInfo{ID: img.ID, RepoTags: img.RepoTags}
		if img.Config != nil {
			info.Labels = img.Config.Labels
		}
		return info, nil
	})
}

func (l lookup) ImageIDs(owner string) ([]string, error) {
	ids, err := cached(l, bodyrule.KindImage, "\x00owned by "+owner, func() (*[]string, error) {
		q := "/images/json"
		if owner != "" {
			f, _ := json.Marshal(map[string]map[string]bool{"label": {ownerKey + "=" + owner: true}})
			q += "?filters=" + url.QueryEscape(string(f))
		}
		var imgs []struct {
			ID     string `json:"Id"`
			Labels map[string]string
		}
		if err := l.r.get(l.ctx, q, &imgs); err != nil {
			return nil, err
		}
		var out []string
		for _, img := range imgs {
			if img.Labels[ownerKey] == owner {
				out = append(out, img.ID)
			}
		}
		return &out, nil
	})
	if err != nil {
		return nil, err
	}
	return *ids, nil
}

func (l lookup) Volume(name string) (*bodyrule.VolumeInfo, error) {
	return cached(l, bodyrule.KindVolume, name, func() (*bodyrule.VolumeInfo, error) {
		var v volume.Volume
		if err := l.r.get(l.ctx, "/volumes/"+url.PathEscape(name), &v); err != nil {
			return nil, err
		}
		l.r.remember(bodyrule.KindVolume, v.Name, v.Labels)
		return &bodyrule.VolumeInfo{Name: v.Name, Driver: v.Driver, Labels: v.Labels}, nil
	})
}

func (l lookup) Exec(id string) (*bodyrule.ExecInfo, error) {
	return cached(l, bodyrule.KindExec, id, func() (*bodyrule.ExecInfo, error) {
		var e struct{ ID, ContainerID string }
		if err := l.r.get(l.ctx, "/exec/"+url.PathEscape(id)+"/json", &e); err != nil {
			return nil, err
		}
		if e.ContainerID == "" {
			return nil, fmt.Errorf("the daemon's answer names no container")
		}
		return &bodyrule.ExecInfo{ID: e.ID, ContainerID: e.ContainerID}, nil
	})
}

func (l lookup) Object(kind, ref string) (*bodyrule.ObjectInfo, error) {
	switch kind {
	case bodyrule.KindService, bodyrule.KindSecret, bodyrule.KindConfig, bodyrule.KindTask:
	default:
		return nil, fmt.Errorf("no lookup of %s", kind)
	}
	return cached(l, kind, ref, func() (*bodyrule.ObjectInfo, error) {
		var x struct {
			ID   string
			Spec struct {
				Name          string
				Labels        map[string]string
				ContainerSpec *struct{ Labels map[string]string } // tasks
			}
		}
		if err := l.r.get(l.ctx, "/"+kind+"/"+url.PathEscape(ref), &x); err != nil {
			return nil, err
		}
		if x.ID == "" {
			return nil, fmt.Errorf("the daemon's answer has no ID")
		}
		labels := x.Spec.Labels
		if kind == bodyrule.KindTask {
			labels = nil
			if x.Spec.ContainerSpec != nil {
				labels = x.Spec.ContainerSpec.Labels
			}
		}
		l.r.remember(kind, x.ID, labels)
		return &bodyrule.ObjectInfo{ID: x.ID, Name: x.Spec.Name, Labels: labels}, nil
	})
}

func (l lookup) CreateVolume(req volume.CreateRequest) (*bodyrule.VolumeInfo, error) {
	l.r.Forget(bodyrule.KindVolume)
	body, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	var v volume.Volume
	status, err := l.r.do(l.ctx, http.MethodPost, "/volumes/create", body, &v)
	if err != nil {
		return nil, err
	}
	if status != http.StatusCreated && status != http.StatusOK {
		return nil, fmt.Errorf("the daemon answered %d", status)
	}
	l.r.remember(bodyrule.KindVolume, v.Name, v.Labels)
	return &bodyrule.VolumeInfo{Name: v.Name, Driver: v.Driver, Labels: v.Labels}, nil
}

func (l lookup) Forget(kind string) { l.r.Forget(kind) }

// Remembered returns the labels last seen of the object of kind with id
// (a volume's name), for the events of objects since removed.
func (l lookup) Remembered(kind, id string) (map[string]string, bool) {
	l.r.mu.Lock()
	defer l.r.mu.Unlock()
	labels, ok := l.r.seen[key{kind, id}]
	return labels, ok
}

// Forget drops what is cached of kind: a request that may rename, remove
// or create such objects is about to be forwarded, or was answered.
func (r *Resolver) Forget(kind string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for k := range r.cache {
		if k.kind == kind {
			delete(r.cache, k)
		}
	}
	if kind == bodyrule.KindNetwork {
		r.networks = networksEntry{}
	}
}

func (r *Resolver) remember(kind, id string, labels map[string]string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.seen) >= maxEntries {
		r.seen = map[key]map[string]string{}
	}
	r.seen[key{kind, id}] = labels
}

// status is an answer other than 200; a 404 is bodyrule.ErrNotFound,
// never cached, since the next request may create the object.
type status int

func (s status) Error() string { return fmt.Sprintf("the daemon answered %d", int(s)) }

// cached returns the answer for (kind, ref), asking ask when none is
// fresh. Errors are not cached, missing objects included.
func cached[T any](l lookup, kind, ref string, ask func() (*T, error)) (*T, error) {
	r := l.r
	k := key{kind, ref}
	now := time.Now()
	r.mu.Lock()
	if e, ok := r.cache[k]; ok && now.Sub(e.at) < r.ttl {
		r.mu.Unlock()
		return e.value.(*T), nil
	}
	r.mu.Unlock()
	v, err := ask()
	if s, ok := err.(status); ok && s == http.StatusNotFound {
		return nil, bodyrule.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	if len(r.cache) >= maxEntries {
		r.cache = map[key]entry{}
	}
	r.cache[k] = entry{at: now, value: v}
	r.mu.Unlock()
	return v, nil
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
	if err := r.get(ctx, "/networks", &nets); err != nil {
		return nil, err
	}
	list := make([]bodyrule.NetworkInfo, 0, len(nets))
	for _, n := range nets {
		info := bodyrule.NetworkInfo{ID: n.ID, Name: n.Name, Driver: n.Driver, Scope: n.Scope, Options: n.Options, Labels: n.Labels, Ingress: n.Ingress}
		info.IPAM = n.IPAM
		list = append(list, info)
		r.remember(bodyrule.KindNetwork, n.ID, n.Labels)
	}
	r.mu.Lock()
	r.networks = networksEntry{at: now, list: list}
	r.mu.Unlock()
	return list, nil
}

// get sends GET path (no version prefix: the daemon's own version) and
// decodes a 200 answer into v; another answer is a status error.
func (r *Resolver) get(ctx context.Context, path string, v any) error {
	s, err := r.do(ctx, http.MethodGet, path, nil, v)
	if err != nil {
		return err
	}
	if s != http.StatusOK {
		return status(s)
	}
	return nil
}

// do sends a request and decodes a 2xx answer into v.
func (r *Resolver) do(ctx context.Context, method, path string, body []byte, v any) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, r.base+path, rd)
	if err != nil {
		return 0, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	r.Calls.Add(1)
	res, err := r.rt.RoundTrip(req)
	if err != nil {
		return 0, fmt.Errorf("asking the daemon: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode/100 != 2 {
		_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
		return res.StatusCode, nil
	}
	if err := json.NewDecoder(io.LimitReader(res.Body, 16<<20)).Decode(v); err != nil {
		return 0, fmt.Errorf("reading the daemon's answer: %w", err)
	}
	return res.StatusCode, nil
}
