package policy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/bodyrule"
	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/buildctx"
	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/loadtar"
	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/owner"
	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/route"
)

// Ownership: with it on, every endpoint is classified by what it names
// (ownRules), and a request is allowed only on the client's own objects:
// the object in its path, its query and its body (bodyrule) is looked up
// through the daemon as dockerd resolves the reference, refused when it
// is another client's, answered 404 when it does not exist, and pinned to
// the ID judged in the forwarded path, so that a name created between the
// check and dockerd's action (a name equal to an ID prefix, a rename)
// cannot redirect it. Lists and prunes carry the client's label filter,
// so that dockerd counts and pages only its objects; answers that have no
// such filter (events, tasks, disk usage, the containers of a shared
// network, every list for a client without identity) are filtered here.

// ownReq is one request being decided for a client.
type ownReq struct {
	r    *http.Request
	m    route.Match
	c    *owner.Client
	o    bodyrule.Options
	q    url.Values
	hook *hook
	// query is set when q was changed and must replace the query sent.
	query bool
	// show and policy name the request and the policy in messages.
	show, policy string
}

// ownRule is an endpoint's ownership rule: check decides (nil: the
// endpoint names no object of a client's, such as ping or a registry
// search), forget lists the kinds of names the request may change.
type ownRule struct {
	check  func(*ownReq) error
	forget []string
}

// checkOwnership applies e's ownership rule to r for client c.
func (p *Policy) checkOwnership(r *http.Request, m route.Match, c *owner.Client, o bodyrule.Options, show string) error {
	rule, ok := ownRules[m.Endpoint.Method+" "+m.Endpoint.Path]
	if !ok {
		// Every endpoint has a rule (TestOwnershipCoverage); one without
		// could name any object.
		if c.Admin {
			return nil
		}
		return &bodyrule.Denied{What: "an endpoint without an ownership rule"}
	}
	if rule.check == nil && len(rule.forget) == 0 {
		return nil // names nothing: ping, version, info, a registry's search
	}
	x := &ownReq{r: r, m: m, c: c, o: o, q: r.URL.Query(), show: show, policy: p.name}
	for _, k := range rule.forget {
		if o.Lookup != nil {
			o.Lookup.Forget(k)
			x.after(func() { o.Lookup.Forget(k) })
		}
	}
	if rule.check != nil {
		if err := rule.check(x); err != nil {
			return err
		}
	}
	if x.query {
		r.URL.RawQuery = x.q.Encode()
	}
	if x.hook != nil {
		*r = *r.WithContext(context.WithValue(r.Context(), hookKey{}, x.hook))
	}
	return nil
}

// ref is the object the path names (the endpoint's first variable).
func (x *ownReq) ref() string {
	s, e, ok := x.m.Endpoint.FirstVar(x.m.Path)
	if !ok {
		return ""
	}
	return x.m.Path[s:e]
}

// pin replaces the object in the path with id.
func (x *ownReq) pin(id string) {
	s, e, ok := x.m.Endpoint.FirstVar(x.m.Path)
	if !ok || x.m.Path[s:e] == id {
		return
	}
	prefix := x.r.URL.Path[:len(x.r.URL.Path)-len(x.m.Path)]
	x.r.URL.Path = prefix + x.m.Path[:s] + id + x.m.Path[e:]
	x.r.URL.RawPath = ""
}

func (x *ownReq) after(f func()) {
	if x.hook == nil {
		x.hook = &hook{}
	}
	x.hook.after = append(x.hook.after, f)
}

func (x *ownReq) filter(f func(*http.Response) error) {
	if x.hook == nil {
		x.hook = &hook{}
	}
	x.hook.filter = f
}

// Rules for an object in the path. Admins pass them all.

func containerPath(x *ownReq) error {
	if x.c.Admin {
		return nil
	}
	c, err := bodyrule.OwnContainer(x.ref(), "", x.o)
	if err != nil {
		return err
	}
	x.pin(c.ID)
	return nil
}

func execPath(x *ownReq) error {
	if x.c.Admin {
		return nil
	}
	_, err := bodyrule.OwnExec(x.ref(), x.o)
	return err
}

func imagePath(access bodyrule.ImageAccess) func(*ownReq) error {
	return func(x *ownReq) error {
		if x.c.Admin {
			return nil
		}
		ref := x.ref()
		img, err := bodyrule.OwnImage(ref, "", x.o, access)
		if err != nil {
			return err
		}
		if img.ByID(ref) {
			x.pin(img.ID)
		}
		return nil
	}
}

func networkPath(shared bool) func(*ownReq) error {
	return func(x *ownReq) error {
		if x.c.Admin {
			return nil
		}
		n, err := bodyrule.OwnNetwork(x.ref(), "", x.o, shared)
		if err != nil {
			return err
		}
		x.pin(n.ID)
		return nil
	}
}

// networkInspect: a shared network (bridge) lists the containers on it;
// only the client's are shown.
func networkInspect(x *ownReq) error {
	if err := networkPath(true)(x); err != nil || x.c.Admin {
		return err
	}
	x.filter(func(res *http.Response) error {
		return rewriteJSON(res, func(b []byte) ([]byte, error) {
			var n map[string]json.RawMessage
			if err := json.Unmarshal(b, &n); err != nil {
				return nil, err
			}
			var cs map[string]json.RawMessage
			if raw, ok := n["Containers"]; !ok || json.Unmarshal(raw, &cs) != nil || len(cs) == 0 {
				return b, nil
			}
			for id := range cs {
				if c, err := x.o.Lookup.Container(id); err != nil || !x.c.Owns(c.Labels) {
					delete(cs, id)
				}
			}
			var err error
			n["Containers"], err = json.Marshal(cs)
			if err != nil {
				return nil, err
			}
			return json.Marshal(n)
		})
	})
	return nil
}

func volumePath(x *ownReq) error {
	if x.c.Admin {
		return nil
	}
	_, err := bodyrule.OwnVolume(x.ref(), "", x.o)
	return err
}

func objectPath(kind string) func(*ownReq) error {
	return func(x *ownReq) error {
		if x.c.Admin {
			return nil
		}
		obj, err := bodyrule.OwnObject(kind, x.ref(), "", x.o)
		if err != nil {
			return err
		}
		x.pin(obj.ID)
		return nil
	}
}

// adminOnly: endpoints that act on the whole daemon (plugins, the swarm,
// dockerd's debug routes), whose objects carry no owner.
func adminOnly(x *ownReq) error {
	if x.c.Admin {
		return nil
	}
	return &bodyrule.Denied{What: "a daemon-wide change (plugins, the swarm, debug routes: admin clients only, under ownership)"}
}

// Lists and prunes.

// labelsAt reads the labels of a list item: top-level Labels, or those
// of its Spec (services, secrets, configs), or of its container spec
// (tasks).
func labelsAt(path ...string) func(json.RawMessage) map[string]string {
	return func(item json.RawMessage) map[string]string {
		cur := item
		for _, k := range path {
			var m map[string]json.RawMessage
			if json.Unmarshal(cur, &m) != nil {
				return nil
			}
			cur = m[k]
		}
		var labels map[string]string
		_ = json.Unmarshal(cur, &labels)
		return labels
	}
}

// list filters a list endpoint: by dockerd's label filter for a client
// with identity, so that counts and limits are dockerd's; here, for a
// client without identity (no filter selects what has no label) and for
// tasks (labelled through their container spec).
func list(field string, labels func(json.RawMessage) map[string]string, byDaemon bool) func(*ownReq) error {
	return func(x *ownReq) error {
		if x.c.Admin {
			return nil
		}
		if byDaemon && x.c.Name != "" {
			return x.addFilter("label", owner.Key+"="+x.c.Name)
		}
		limit := 0
		if field == "" && x.m.Endpoint.Path == "/containers/json" {
			// The newest n containers of the client's, not of everyone's.
			if l := x.q.Get("limit"); l != "" {
				fmt.Sscan(l, &limit)
				x.q.Del("limit")
				if limit > 0 {
					x.q.Set("all", "1") // a limit lists stopped containers too
				}
				x.query = true
			}
		}
		x.filter(func(res *http.Response) error {
			return rewriteJSON(res, func(b []byte) ([]byte, error) {
				return filterItems(b, field, limit, func(item json.RawMessage) bool { return x.c.Owns(labels(item)) })
			})
		})
		return nil
	}
}

// prune scopes a prune to the client's objects: its label, or for a
// client without identity, objects without the label.
func prune(x *ownReq) error {
	if x.c.Admin {
		return nil
	}
	if x.c.Name == "" {
		return x.addFilter("label!", owner.Key)
	}
	return x.addFilter("label", owner.Key+"="+x.c.Name)
}

func (x *ownReq) addFilter(field, value string) error {
	f, err := owner.AddFilter(x.q.Get("filters"), field, value)
	if err != nil {
		return &bodyrule.Malformed{Err: err}
	}
	x.q.Set("filters", f)
	x.query = true
	return nil
}

// systemDF keeps the client's containers, images and volumes in the
// disk usage; the build cache is shared.
func systemDF(x *ownReq) error {
	if x.c.Admin {
		return nil
	}
	keep := func(item json.RawMessage) bool { return x.c.Owns(labelsAt("Labels")(item)) }
	x.filter(func(res *http.Response) error {
		return rewriteJSON(res, func(b []byte) ([]byte, error) {
			var df map[string]json.RawMessage
			if err := json.Unmarshal(b, &df); err != nil {
				return nil, err
			}
			for _, k := range []string{"Images", "Containers", "Volumes"} {
				if raw, ok := df[k]; ok && string(raw) != "null" {
					out, err := filterItems(raw, "", 0, keep)
					if err != nil {
						return nil, err
					}
					df[k] = out
				}
			}
			return json.Marshal(df)
		})
	})
	return nil
}

// Requests whose query names objects.

func commit(x *ownReq) error {
	if !x.c.Admin {
		c, err := bodyrule.OwnContainer(x.q.Get("container"), "container", x.o)
		if err != nil {
			return err
		}
		x.q.Set("container", c.ID)
		x.query = true
		if err := freeTag(x, "repo", "tag", false); err != nil {
			return err
		}
	}
	return x.ownChanges()
}

// ownChanges appends the owner's LABEL to the changes of a commit or an
// import, after refusing changes that could swallow it: a line break, or
// a trailing escape character (the changes are joined into one
// Dockerfile, and a continuation would make the label part of the
// client's instruction).
func (x *ownReq) ownChanges() error {
	if x.c.Admin {
		return nil
	}
	for _, ch := range x.q["changes"] {
		t := strings.TrimSpace(ch)
		if strings.ContainsAny(ch, "\r\n") || strings.HasSuffix(t, `\`) || strings.HasSuffix(t, "`") || strings.HasPrefix(t, "#") {
			return &bodyrule.Denied{What: fmt.Sprintf("changes %q (a line break, a comment or directive, or a trailing escape character)", shortQ(ch))}
		}
	}
	x.q["changes"] = append(x.q["changes"], x.c.Change())
	x.query = true
	return nil
}

// freeTag refuses a repo and tag parameter naming a tag of an image the
// client does not own.
func freeTag(x *ownReq, repoParam, tagParam string, pull bool) error {
	repo := x.q.Get(repoParam)
	if repo == "" {
		return nil
	}
	return bodyrule.FreeTag(joinTag(repo, x.q.Get(tagParam)), repoParam, x.o, pull)
}

// joinTag makes "name:tag" of a repository and a tag parameter ("" or a
// tag, or a digest: "name@sha256:…").
func joinTag(repo, tag string) string {
	switch {
	case tag == "":
		return repo
	case strings.Contains(tag, ":"):
		return repo + "@" + tag
	}
	return repo + ":" + tag
}

// imagesCreate: a pull moves the tag it pulls (a shared image's too,
// since it takes what the registry holds); an import makes an image whose
// owner's label the changes set.
func imagesCreate(x *ownReq) error {
	if from := x.q.Get("fromImage"); from != "" {
		if x.c.Admin {
			return nil
		}
		tag := x.q.Get("tag")
		if tag == "" && !strings.Contains(from, "@") && !strings.Contains(from[strings.LastIndex(from, "/")+1:], ":") {
			return &bodyrule.Denied{What: "pulling every tag of a repository (name the tag)"}
		}
		return freeTag(x, "fromImage", "tag", true)
	}
	if !x.c.Admin {
		if err := freeTag(x, "repo", "tag", false); err != nil {
			return err
		}
	}
	return x.ownChanges()
}

// imageTag: a client tags its own images only (a tag of a shared image
// would put content of its choosing, such as an image pulled from its
// own registry, under a name another client runs), over no other
// client's tag.
func imageTag(x *ownReq) error {
	if x.c.Admin {
		return nil
	}
	if err := imagePath(bodyrule.ImageWrite)(x); err != nil {
		return err
	}
	return freeTag(x, "repo", "tag", false)
}

func imagePush(x *ownReq) error {
	if x.c.Admin {
		return nil
	}
	_, err := bodyrule.OwnImage(joinTag(x.ref(), x.q.Get("tag")), "", x.o, bodyrule.ImageRead)
	return err
}

func imagesGet(x *ownReq) error {
	if x.c.Admin {
		return nil
	}
	for _, n := range x.q["names"] {
		if _, err := bodyrule.OwnImage(n, "names", x.o, bodyrule.ImageRead); err != nil {
			return err
		}
	}
	return nil
}

// build: its tags must be free or the client's, the image gets the
// owner's label (the labels parameter is applied last, over the
// Dockerfile's LABEL), cache sources and a custom network must be the
// client's. A container network mode is judged with the body rules'
// container lookup (queryRule); the Dockerfile's FROM images by the
// context check.
func build(x *ownReq) error {
	if !x.c.Admin {
		for _, t := range x.q["t"] {
			if err := bodyrule.FreeTag(t, "t", x.o, false); err != nil {
				return err
			}
		}
		if err := x.ownCache(); err != nil {
			return err
		}
		if nm := strings.TrimSpace(x.q.Get("networkmode")); nm != "" && !bodyrule.PredefinedNetwork(nm) {
			if _, isContainer := bodyrule.ContainerRef(nm); !isContainer {
				n, err := bodyrule.OwnNetwork(nm, "networkmode", x.o, true)
				if err != nil {
					return err
				}
				x.q.Set("networkmode", n.ID)
				x.query = true
			}
		}
	}
	var labels map[string]string
	if l := x.q.Get("labels"); l != "" {
		if err := json.Unmarshal([]byte(l), &labels); err != nil {
			return &bodyrule.Malformed{Err: fmt.Errorf("labels: %v", err)}
		}
	}
	out, err := x.c.Labelled(labels)
	if err != nil {
		return &bodyrule.Denied{What: "labels " + err.Error()}
	}
	if len(out) > 0 {
		b, _ := json.Marshal(out)
		x.q.Set("labels", string(b))
		x.query = true
	}
	return nil
}

// noImage is an image ID no image can have: a cachefrom that names only
// it gives a build no cache at all.
const noImage = "sha256:0000000000000000000000000000000000000000000000000000000000000000"

// maxCacheFrom bounds the client's images a build may take its cache
// from (the newest).
const maxCacheFrom = 256

// ownCache limits a classic build's cache to the client's images. The
// builder otherwise reuses any image on the daemon whose parent and
// instruction match a step: a RUN step another client built (with a
// network it controlled) would end up in this client's image. With
// cachefrom, dockerd takes cache only from those images' histories and
// skips a name that resolves to none; the client's own cachefrom must
// name images it may read.
func (x *ownReq) ownCache() error {
	var refs []string
	if cf := x.q.Get("cachefrom"); cf != "" {
		if err := json.Unmarshal([]byte(cf), &refs); err != nil {
			return &bodyrule.Malformed{Err: fmt.Errorf("cachefrom: %v", err)}
		}
		for _, ref := range refs {
			if _, err := bodyrule.OwnImage(ref, "cachefrom", x.o, bodyrule.ImageRead); err != nil {
				return err
			}
		}
	}
	if x.o.Lookup == nil {
		return &bodyrule.Denied{What: "a build (no daemon to look up the client's images for its cache)"}
	}
	own, err := x.o.Lookup.ImageIDs(x.c.Name)
	if err != nil {
		return &bodyrule.Denied{What: fmt.Sprintf("a build (looking up the client's images for its cache: %v)", err)}
	}
	if len(own) > maxCacheFrom {
		own = own[:maxCacheFrom]
	}
	refs = append(append(refs, own...), noImage)
	b, _ := json.Marshal(refs)
	x.q.Set("cachefrom", string(b))
	x.query = true
	return nil
}

func shortQ(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}

// ownRules classifies every endpoint of the route table.
var ownRules = func() map[string]ownRule {
	C, I, N, V := bodyrule.KindContainer, bodyrule.KindImage, bodyrule.KindNetwork, bodyrule.KindVolume
	S, X, G := bodyrule.KindService, bodyrule.KindSecret, bodyrule.KindConfig
	container := ownRule{check: containerPath}
	rules := map[string]ownRule{
		"GET /containers/json":               {check: list("", labelsAt("Labels"), true)},
		"POST /containers/create":            {forget: []string{C, V}}, // the body (bodyrule)
		"POST /containers/prune":             {check: prune, forget: []string{C}},
		"POST /containers/{name:.*}/rename":  {check: containerPath, forget: []string{C}},
		"DELETE /containers/{name:.*}":       {check: containerPath, forget: []string{C, V}},
		"POST /commit":                       {check: commit, forget: []string{I}},
		"GET /exec/{id:.*}/json":             {check: execPath},
		"POST /exec/{name:.*}/start":         {check: execPath},
		"POST /exec/{name:.*}/resize":        {check: execPath},
		"GET /images/json":                   {check: list("", labelsAt("Labels"), true)},
		"GET /images/search":                 {}, // a registry's
		"GET /images/get":                    {check: imagesGet},
		"GET /images/{name:.*}/get":          {check: imagePath(bodyrule.ImageRead)},
		"GET /images/{name:.*}/history":      {check: imagePath(bodyrule.ImageRead)},
		"GET /images/{name:.*}/json":         {check: imagePath(bodyrule.ImageRead)},
		"GET /images/{name:.*}/attestations": {check: imagePath(bodyrule.ImageRead)},
		"POST /images/load":                  {check: imagesLoad, forget: []string{I}},
		"POST /images/create":                {check: imagesCreate, forget: []string{I}},
		"POST /images/{name:.*}/push":        {check: imagePush},
		"POST /images/{name:.*}/tag":         {check: imageTag, forget: []string{I}},
		"POST /images/prune":                 {check: prune, forget: []string{I}},
		"DELETE /images/{name:.*}":           {check: imagePath(bodyrule.ImageWrite), forget: []string{I}},
		"GET /_ping":                         {},
		"HEAD /_ping":                        {},
		"GET /info":                          {}, // daemon-wide counts (README)
		"GET /version":                       {},
		"GET /events":                        {check: events},
		"GET /system/df":                     {check: systemDF},
		"POST /auth":                         {},
		"GET /volumes":                       {check: list("Volumes", labelsAt("Labels"), true)},
		"GET /volumes/{name:.*}":             {check: volumePath},
		"POST /volumes/create":               {forget: []string{V}},
		"POST /volumes/prune":                {check: prune, forget: []string{V}},
		"DELETE /volumes/{name:.*}":          {check: volumePath, forget: []string{V}},
		"PUT /volumes/{name:.*}":             {check: volumePath},
		"POST /build":                        {check: build, forget: []string{I}},
		"POST /build/prune":                  {}, // the build cache is shared (README)
		"POST /build/cancel":                 {}, // BuildKit's, refused outside all
		"POST /session":                      {}, // BuildKit's
		"GET /services":                      {check: list("", labelsAt("Spec", "Labels"), true)},
		"GET /services/{id}":                 {check: objectPath(S)},
		"POST /services/create":              {forget: []string{S}},
		"POST /services/{id}/update":         {check: objectPath(S)},
		"DELETE /services/{id}":              {check: objectPath(S), forget: []string{S}},
		"GET /services/{id}/logs":            {check: objectPath(S)},
		"GET /nodes":                         {}, // nodes are shared
		"GET /nodes/{id}":                    {},
		"GET /tasks":                         {check: list("", labelsAt("Spec", "ContainerSpec", "Labels"), false)},
		"GET /tasks/{id}":                    {check: objectPath(bodyrule.KindTask)},
		"GET /tasks/{id}/logs":               {check: objectPath(bodyrule.KindTask)},
		"GET /secrets":                       {check: list("", labelsAt("Spec", "Labels"), true)},
		"POST /secrets/create":               {forget: []string{X}},
		"DELETE /secrets/{id}":               {check: objectPath(X), forget: []string{X}},
		"GET /secrets/{id}":                  {check: objectPath(X)},
		"POST /secrets/{id}/update":          {check: objectPath(X)},
		"GET /configs":                       {check: list("", labelsAt("Spec", "Labels"), true)},
		"POST /configs/create":               {forget: []string{G}},
		"DELETE /configs/{id}":               {check: objectPath(G), forget: []string{G}},
		"GET /configs/{id}":                  {check: objectPath(G)},
		"POST /configs/{id}/update":          {check: objectPath(G)},
		"GET /plugins":                       {}, // plugins are shared
		"GET /plugins/{name:.*}/json":        {},
		"GET /plugins/privileges":            {},
		"GET /distribution/{name:.*}/json":   {}, // a registry's
		"GET /networks":                      {check: list("", labelsAt("Labels"), true)},
		"GET /networks/":                     {check: list("", labelsAt("Labels"), true)},
		"GET /networks/{id:.+}":              {check: networkInspect},
		"POST /networks/create":              {forget: []string{N}},
		"POST /networks/{id:.*}/connect":     {check: networkPath(true)},
		"POST /networks/{id:.*}/disconnect":  {check: networkPath(true)},
		"POST /networks/prune":               {check: prune, forget: []string{N}},
		"DELETE /networks/{id:.*}":           {check: networkPath(false), forget: []string{N}},
		"DELETE /containers/{name}/checkpoints/{checkpoint}": container,
	}
	for _, e := range route.Endpoints {
		name := e.Method + " " + e.Path
		if _, ok := rules[name]; ok {
			continue
		}
		switch {
		case strings.HasPrefix(e.Path, "/containers/{name"):
			rules[name] = container
		case strings.HasPrefix(e.Path, "/plugins/"), strings.HasPrefix(e.Path, "/swarm"),
			strings.HasPrefix(e.Path, "/nodes/"), e.Path == "/grpc", !e.Versioned:
			rules[name] = ownRule{check: adminOnly}
		}
	}
	return rules
}()

// OwnershipRule reports whether an endpoint ("METHOD /template") has an
// ownership rule; for tests.
func OwnershipRule(endpoint string) bool {
	_, ok := ownRules[endpoint]
	return ok
}

// imagesLoad: an archive's images and tags are checked as it streams
// (package loadtar), before the daemon receives its end: every image it
// tags must carry the client's label (an image of another's, or one
// without a label, under a name of the client's choosing is the name
// squatting the tag rules refuse), and each tag must be free or the
// client's. Untagged images load as they are, reachable by ID.
func imagesLoad(x *ownReq) error {
	if x.c.Admin || x.r.Body == nil || x.r.Body == http.NoBody {
		return nil
	}
	lr := loadtar.Reader(x.r.Body, func(a *loadtar.Archive) error {
		imgs, err := a.Images()
		if err != nil {
			return err
		}
		for _, img := range imgs {
			if len(img.Tags) == 0 {
				continue
			}
			if !x.c.Owns(img.Labels) {
				// Content of the client's choosing under a name another
				// runs, unless each tag already names this very image
				// (a save and load back changes nothing).
				for _, t := range img.Tags {
					if !x.sameImage(t, img.ID) {
						return &loadtar.Refused{What: fmt.Sprintf("an image archive tagging %s with an image that is not yours (%s)", shortQ(t), x.c.Whose(img.Labels))}
					}
				}
				continue
			}
			for _, t := range img.Tags {
				if err := bodyrule.FreeTag(t, "archive", x.o, false); err != nil {
					return &loadtar.Refused{What: strings.TrimSuffix(err.Error(), " is not allowed")}
				}
			}
		}
		return nil
	})
	x.r.Body = &refusingBody{r: lr, c: x.r.Body, show: x.show, policy: x.policy}
	x.r.ContentLength = -1
	x.r.Header.Del("Content-Length")
	x.r.GetBody = nil
	return nil
}

// sameImage reports whether tag names the image with id now.
func (x *ownReq) sameImage(tag, id string) bool {
	t, ok := bodyrule.FamiliarTag(tag)
	if !ok || x.o.Lookup == nil {
		return false
	}
	img, err := x.o.Lookup.Image(t)
	return err == nil && img.ID == id && slices.Contains(img.RepoTags, t)
}

// ownDockerfile checks, under ownership, what a build's Dockerfile names:
// the images it builds FROM (and COPY --from) must be the client's or
// shared (a missing one is pulled, by its name, from the registry), and
// no LABEL may set the owner's label (the builder gives each step's
// container the image's labels so far).
func ownDockerfile(buildargs string, o bodyrule.Options) func([]byte) error {
	return func(df []byte) error {
		if err := buildctx.CheckLabel(df, owner.Key); err != nil {
			return err
		}
		var args map[string]*string
		if buildargs != "" {
			if err := json.Unmarshal([]byte(buildargs), &args); err != nil {
				return &buildctx.Refused{What: "buildargs that are not a JSON object of strings"}
			}
		}
		vals := map[string]string{}
		for k, v := range args {
			if v != nil {
				vals[k] = *v
			}
		}
		imgs, err := buildctx.Images(df, vals)
		if err != nil {
			return &buildctx.Refused{What: err.Error()}
		}
		for _, img := range imgs {
			var nf *bodyrule.NotFound
			if _, err := bodyrule.OwnImage(img, "FROM", o, bodyrule.ImageRead); err != nil && !errors.As(err, &nf) {
				return &buildctx.Refused{What: strings.TrimSuffix(err.Error(), " is not allowed")}
			}
		}
		return nil
	}
}
