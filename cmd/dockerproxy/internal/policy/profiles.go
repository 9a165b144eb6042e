package policy

import (
	"fmt"
	"sort"

	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/route"
)

// Names lists the policy names Parse accepts.
var Names = []string{"all", "observe", "read-only", "build-push", "ci-runner", "full", "allowlist"}

// observe reads state, logs, events and stats. Left out although they use
// GET: attach (input reaches the container), export, archive and image
// save (file contents), /images/search, /distribution and
// /plugins/privileges (dockerd fetches URLs of the client's choosing),
// /swarm (join tokens), /swarm/unlockkey and /configs/{id} (secrets and
// config data), and dockerd's /debug routes.
var observe = []string{
	"GET /_ping", "HEAD /_ping", "GET /version", "GET /info", "GET /events", "GET /system/df",
	"GET /containers/json", "GET /containers/{name:.*}/json", "GET /containers/{name:.*}/logs",
	"GET /containers/{name:.*}/stats", "GET /containers/{name:.*}/top", "GET /containers/{name:.*}/changes",
	"GET /exec/{id:.*}/json",
	"GET /images/json", "GET /images/{name:.*}/json", "GET /images/{name:.*}/history", "GET /images/{name:.*}/attestations",
	"GET /networks", "GET /networks/", "GET /networks/{id:.+}",
	"GET /volumes", "GET /volumes/{name:.*}",
	"GET /services", "GET /services/{id}", "GET /services/{id}/logs",
	"GET /tasks", "GET /tasks/{id}", "GET /tasks/{id}/logs",
	"GET /nodes", "GET /nodes/{id}", "GET /secrets", "GET /secrets/{id}", "GET /configs",
	"GET /plugins", "GET /plugins/{name:.*}/json",
}

// buildPush adds building, pulling, tagging, pushing and removing images,
// and registry login. Pulls go to registries of the client's choosing;
// /images/create imports only from the request body, never from a URL.
var buildPush = []string{
	"POST /build", "POST /build/prune", "POST /build/cancel", "POST /session",
	"POST /images/create", "POST /images/{name:.*}/push", "POST /images/{name:.*}/tag",
	"DELETE /images/{name:.*}", "POST /images/prune", "POST /auth",
}

// ciRunner adds running containers (create is checked by the body rules),
// attach and exec, copying files in and out, image save and load,
// commit, and networks and volumes.
var ciRunner = []string{
	"POST /containers/create", "POST /containers/{name:.*}/start", "POST /containers/{name:.*}/stop",
	"POST /containers/{name:.*}/kill", "POST /containers/{name:.*}/restart", "POST /containers/{name:.*}/wait",
	"POST /containers/{name:.*}/resize", "POST /containers/{name:.*}/attach", "GET /containers/{name:.*}/attach/ws",
	"POST /containers/{name:.*}/pause", "POST /containers/{name:.*}/unpause", "POST /containers/{name:.*}/rename",
	"POST /containers/{name:.*}/update", "POST /containers/{name:.*}/exec", "POST /exec/{name:.*}/start",
	"POST /exec/{name:.*}/resize", "DELETE /containers/{name:.*}", "POST /containers/prune",
	"HEAD /containers/{name:.*}/archive", "GET /containers/{name:.*}/archive", "PUT /containers/{name:.*}/archive",
	"POST /commit", "POST /images/load", "GET /images/get", "GET /images/{name:.*}/get",
	"POST /networks/create", "POST /networks/{id:.*}/connect", "POST /networks/{id:.*}/disconnect",
	"DELETE /networks/{id:.*}", "POST /networks/prune",
	"POST /volumes/create", "DELETE /volumes/{name:.*}", "POST /volumes/prune",
}

// neverFull are the endpoints that even full leaves out: dockerd's
// /debug routes (profiles and memory of the daemon), BuildKit's /grpc (a
// gRPC stream the proxy cannot inspect, through which a build can ask for
// the host network), /plugins/create (a plugin from a tar archive the
// proxy does not read, with the mounts and capabilities it declares), and
// the swarm's administration: joining a cluster hands this daemon to its
// managers, which then schedule tasks here (host binds included) through
// requests that never pass the proxy; init, update, unlock and the join
// tokens of GET /swarm and the unlock key give the cluster away the same
// way, and node update and remove promote, drain or drop its nodes.
var neverFull = map[string]bool{
	"POST /grpc": true, "POST /plugins/create": true,
	"GET /swarm": true, "GET /swarm/unlockkey": true, "POST /swarm/init": true, "POST /swarm/join": true,
	"POST /swarm/leave": true, "POST /swarm/update": true, "POST /swarm/unlock": true,
	"POST /nodes/{id}/update": true, "DELETE /nodes/{id}": true,
}

var profiles = func() map[string]map[*route.Endpoint]bool {
	byName := map[string]*route.Endpoint{}
	for _, e := range route.Endpoints {
		byName[e.Method+" "+e.Path] = e
	}
	set := func(lists ...[]string) map[*route.Endpoint]bool {
		s := map[*route.Endpoint]bool{}
		for _, l := range lists {
			for _, name := range l {
				e := byName[name]
				if e == nil {
					panic(fmt.Sprintf("policy: %q is not an endpoint", name))
				}
				s[e] = true
			}
		}
		return s
	}
	full := map[*route.Endpoint]bool{}
	for name, e := range byName {
		if e.Versioned && !neverFull[name] {
			full[e] = true
		}
	}
	return map[string]map[*route.Endpoint]bool{
		"observe":    set(observe),
		"read-only":  set(observe),
		"build-push": set(observe, buildPush),
		"ci-runner":  set(observe, buildPush, ciRunner),
		"full":       full,
	}
}()

// Endpoints returns the endpoints a profile allows, as "METHOD /template",
// sorted; for documentation and tests.
func Endpoints(name string) []string {
	var out []string
	for e := range profiles[name] {
		out = append(out, e.Method+" "+e.Path)
	}
	sort.Strings(out)
	return out
}
