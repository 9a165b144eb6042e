package e2e

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/route"
)

// The policy tests judge a request by what dockerd did with it: dockerd
// at debug level logs "Calling METHOD URI" for every request its router
// routes. A request counts as reached when that line is there, and as
// stopped when it is not there after a later request (the marker) has
// been logged.

// settle waits until dockerd has logged every request sent before it.
func settle(t *testing.T) {
	t.Helper()
	marker := fmt.Sprintf("/v1.41/_ping?settle=%d", time.Now().UnixNano())
	c := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", env.daemon.sock)
	}}}
	res, err := c.Get("http://docker" + marker)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if !waitFor(10*time.Second, func() bool { return reached(marker, "GET") }) {
		t.Fatalf("dockerd did not log the marker request; is it at debug level?")
	}
}

// reached reports whether dockerd logged a request whose URI contains uri.
func reached(uri, method string) bool {
	return len(logLines(env.daemon.log.String(), "Calling "+method+" ", uri)) > 0
}

// apiClient talks HTTPS to the proxy with the client certificate.
func apiClient(t *testing.T) *http.Client {
	t.Helper()
	return &http.Client{Transport: &http.Transport{TLSClientConfig: clientTLS(t, true)}}
}

// call sends one request to the proxy; a chunked body is sent without a
// Content-Length.
func call(t *testing.T, p *proxyProc, method, uri, body string, chunked bool) (int, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
		if chunked {
			rd = io.MultiReader(rd) // hides the length: the client sends it chunked
		}
	}
	req, err := http.NewRequest(method, "https://"+p.addr+uri, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := apiClient(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// rawCall writes request bytes as they are to the proxy and returns the
// first response.
func rawCall(t *testing.T, p *proxyProc, raw string) (int, string) {
	t.Helper()
	conn, err := tls.Dial("tcp", p.addr, clientTLS(t, true))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := io.WriteString(conn, raw); err != nil {
		t.Fatal(err)
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// inspect returns a container's HostConfig as dockerd stored it, or nil
// when the container does not exist.
func inspectHostConfig(t *testing.T, name string) map[string]any {
	t.Helper()
	out, err := env.daemon.docker("container", "inspect", "--format", "{{json .HostConfig}}", name)
	if err != nil {
		return nil
	}
	var hc map[string]any
	if err := json.Unmarshal([]byte(out), &hc); err != nil {
		t.Fatalf("inspect %s: %v\n%s", name, err, out)
	}
	return hc
}

func uniq(prefix string) string { return fmt.Sprintf("%s-%d", prefix, time.Now().UnixNano()) }

func removeContainers(t *testing.T, names ...string) {
	t.Cleanup(func() {
		_, _ = env.daemon.docker(append([]string{"rm", "-f"}, names...)...)
	})
}

// wsAttach opens a websocket attach through the proxy and, when it
// switches protocols, sends line as one masked text frame.
func wsAttach(t *testing.T, p *proxyProc, uri, line string) int {
	t.Helper()
	conn, err := tls.Dial("tcp", p.addr, clientTLS(t, true))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"+
		"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n", uri, p.addr)
	br := bufio.NewReader(conn)
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusSwitchingProtocols {
		b, _ := io.ReadAll(res.Body)
		t.Logf("attach/ws: %d %s", res.StatusCode, strings.TrimSpace(string(b)))
		return res.StatusCode
	}
	mask := []byte{1, 2, 3, 4}
	frame := []byte{0x81, 0x80 | byte(len(line))}
	frame = append(frame, mask...)
	for i := 0; i < len(line); i++ {
		frame = append(frame, line[i]^mask[i%4])
	}
	if _, err := conn.Write(frame); err != nil {
		t.Fatal(err)
	}
	// Give dockerd time to copy the frame to the container's stdin.
	time.Sleep(time.Second)
	return res.StatusCode
}

// TestPolicyAttachInput: a websocket attach with stdin=1 uses GET but
// types into the container. Under policy all it reaches dockerd and the
// container reads the line (the hole a method-based read-only rule left
// open); under read-only it is refused and never reaches dockerd.
func TestPolicyAttachInput(t *testing.T) {
	need(t)
	start := func(name string) {
		if out, err := env.daemon.docker("run", "-d", "-i", "--network", "none", "--name", name, "busybox:local",
			"sh", "-c", `read l; echo "$l" > /typed; sleep 600`); err != nil {
			t.Fatalf("run: %v\n%s", err, out)
		}
		removeContainers(t, name)
	}
	typed := func(name string) string {
		out, err := env.daemon.docker("exec", name, "cat", "/typed")
		if err != nil {
			return "" // not written: the container read nothing
		}
		return strings.TrimSpace(out)
	}

	open := startProxy(t, env.daemon, "-policy", "all")
	base := uniq("pol-ws-all")
	start(base)
	uri := "/v1.41/containers/" + base + "/attach/ws?stdin=1&stream=1"
	if code := wsAttach(t, open, uri, "typed-through-proxy\n"); code != http.StatusSwitchingProtocols {
		t.Fatalf("baseline: attach/ws under policy all answered %d, want 101", code)
	}
	if !waitFor(10*time.Second, func() bool { return typed(base) == "typed-through-proxy" }) {
		t.Fatalf("baseline: the container did not read the line sent over attach/ws: %q", typed(base))
	}
	if !reached(uri, "GET") {
		t.Fatalf("baseline: dockerd did not log the attach")
	}

	ro := startProxy(t, env.daemon, noOwnership, "-policy", "read-only")
	name := uniq("pol-ws-ro")
	start(name)
	uri = "/v1.41/containers/" + name + "/attach/ws?stdin=1&stream=1"
	if code := wsAttach(t, ro, uri, "typed-through-proxy\n"); code != http.StatusForbidden {
		t.Errorf("attach/ws under read-only answered %d, want 403", code)
	}
	settle(t)
	if reached(uri, "GET") {
		t.Errorf("attach/ws under read-only reached dockerd")
	}
	if got := typed(name); got != "" {
		t.Errorf("the container read %q under read-only", got)
	}
	// The same profile still reads logs and lists containers.
	if code, body := call(t, ro, "GET", "/v1.41/containers/"+name+"/logs?stdout=1", "", false); code != 200 {
		t.Errorf("logs under read-only: %d %s", code, body)
	}
}

// TestPolicyOldAPIVersion: with an allowlist that permits only start,
// POST /v1.23/containers/{id}/start with a HostConfig body sets PidMode,
// CapAdd and binds on dockerd 20.10 (baseline, under policy all). With the
// minimum version it is refused before dockerd, and a body on start is
// refused at any version.
func TestPolicyOldAPIVersion(t *testing.T) {
	need(t)
	body := `{"PidMode":"host","CapAdd":["SYS_ADMIN"],"Binds":["/:/host"]}`
	create := func(name string) {
		if out, err := env.daemon.docker("create", "--network", "none", "--name", name, "busybox:local", "sleep", "600"); err != nil {
			t.Fatalf("create: %v\n%s", err, out)
		}
		removeContainers(t, name)
	}

	open := startProxy(t, env.daemon, "-policy", "all")
	base := uniq("pol-v123-all")
	create(base)
	if code, out := call(t, open, "POST", "/v1.23/containers/"+base+"/start", body, false); code != http.StatusNoContent {
		t.Fatalf("baseline: start with a HostConfig at 1.23 under policy all: %d %s", code, out)
	}
	if hc := inspectHostConfig(t, base); hc == nil || hc["PidMode"] != "host" {
		t.Fatalf("baseline: dockerd did not apply the HostConfig from start: %v", hc)
	}

	p := startProxy(t, env.daemon, noOwnership, "-allow", "POST /containers/*/start")
	for _, uri := range []string{"/v1.23/containers/%s/start", "/v1.23.0/containers/%s/start", "/v1.41/containers/%s/start", "/containers/%s/start"} {
		name := uniq("pol-v123")
		create(name)
		u := fmt.Sprintf(uri, name)
		code, out := call(t, p, "POST", u, body, false)
		if code != http.StatusBadRequest || !strings.Contains(out, `"message"`) {
			t.Errorf("POST %s with a body: %d %s, want 400 with a JSON message", u, code, out)
		}
		settle(t)
		if reached(u, "POST") {
			t.Errorf("POST %s with a body reached dockerd", u)
		}
		if hc := inspectHostConfig(t, name); hc["PidMode"] == "host" {
			t.Errorf("%s: PidMode host applied", u)
		}
		t.Logf("%s: %d %s", u, code, strings.TrimSpace(out))
	}
	// Without a body, at a current version, start works.
	name := uniq("pol-start")
	create(name)
	if code, out := call(t, p, "POST", "/v1.41/containers/"+name+"/start", "", false); code != http.StatusNoContent {
		t.Errorf("start without a body: %d %s", code, out)
	}
}

// TestPolicyVersionPrefix: dockerd routes /v1.41.0/containers/json as
// /containers/json. A rule written for inspect ("GET /*/*/json") matched
// the unstripped path; now the policy sees what dockerd routes.
func TestPolicyVersionPrefix(t *testing.T) {
	need(t)
	uri := fmt.Sprintf("/v1.41.0/containers/json?all=1&n=%d", time.Now().UnixNano())
	open := startProxy(t, env.daemon, "-policy", "all")
	if code, out := call(t, open, "GET", uri, "", false); code != 200 {
		t.Fatalf("baseline: %s under policy all: %d %s", uri, code, out)
	}
	if !waitFor(5*time.Second, func() bool { return reached(uri, "GET") }) {
		t.Fatalf("baseline: dockerd did not route %s", uri)
	}

	p := startProxy(t, env.daemon, noOwnership, "-allow", "GET /*/*/json")
	uri = fmt.Sprintf("/v1.41.0/containers/json?all=1&n=%d", time.Now().UnixNano())
	if code, out := call(t, p, "GET", uri, "", false); code != http.StatusForbidden {
		t.Errorf("%s under GET /*/*/json: %d %s, want 403", uri, code, out)
	}
	settle(t)
	if reached(uri, "GET") {
		t.Errorf("%s reached dockerd", uri)
	}
	// The rule still does what it says, with any version spelling.
	if code, out := call(t, p, "GET", "/v1.41.0/containers/"+bigImageContainer(t)+"/json", "", false); code != 200 {
		t.Errorf("inspect under GET /*/*/json: %d %s", code, out)
	}
	// An encoded slash is decoded before routing, by dockerd and the
	// proxy alike; a dot segment is refused.
	obs := startProxy(t, env.daemon, "-policy", "observe")
	if code, out := call(t, obs, "GET", "/v1.41/containers%2Fjson", "", false); code != 200 {
		t.Errorf("GET /v1.41/containers%%2Fjson under observe: %d %s", code, out)
	}
	if code, out := call(t, obs, "GET", "/v1.41/containers/x%2F..%2F..%2Fdebug/vars", "", false); code != http.StatusBadRequest {
		t.Errorf("an encoded dot segment: %d %s", code, out)
	}
}

// bigImageContainer returns the name of a created (not running) container.
func bigImageContainer(t *testing.T) string {
	t.Helper()
	name := uniq("pol-inspect")
	if out, err := env.daemon.docker("create", "--network", "none", "--name", name, "busybox:local", "true"); err != nil {
		t.Fatalf("create: %v\n%s", err, out)
	}
	removeContainers(t, name)
	return name
}

// TestPolicyBodies: container create bodies that give a container the
// host. Under policy all each reaches dockerd and creates the container
// (baseline); under ci-runner each is refused and never reaches dockerd,
// whatever the spelling (case, top-level HostConfig fields, duplicate
// keys, chunked, a body after Content-Length: 0).
func TestPolicyBodies(t *testing.T) {
	need(t)
	allowed := t.TempDir()
	holes := []struct {
		name, hc string // hc goes into HostConfig unless it starts with "top:"
		chunked  bool
	}{
		{"privileged", `"Privileged":true`, false},
		{"privileged-chunked", `"Privileged":true`, true},
		{"privileged-lowercase", `"privileged":true`, false},
		{"privileged-duplicate", `"Privileged":false,"Privileged":true`, false},
		{"privileged-top-level", `top:"Privileged":true`, false},
		{"bind-root", `"Binds":["/:/host"]`, false},
		{"bind-escape", `"Binds":["` + allowed + `/../../etc:/host"]`, false},
		{"mount-bind", `"Mounts":[{"Type":"bind","Source":"/etc","Target":"/host"}]`, false},
		{"mount-volume-bind", `"Mounts":[{"Type":"volume","Target":"/host","VolumeOptions":{"DriverConfig":{"Name":"local","Options":{"type":"none","o":"bind","device":"/"}}}}]`, false},
		{"pid-host", `"PidMode":"host"`, false},
		{"network-host", `"NetworkMode":"host"`, false},
		{"ipc-host", `"IpcMode":"host"`, false},
		{"uts-host", `"UTSMode":"host"`, false},
		{"cap-add", `"CapAdd":["SYS_ADMIN"]`, false},
		{"cap-add-string", `"CapAdd":"SYS_ADMIN"`, false},
		{"devices", `"Devices":[{"PathOnHost":"/dev/null","PathInContainer":"/dev/x","CgroupPermissions":"rwm"}]`, false},
		{"device-cgroup-rules", `"DeviceCgroupRules":["a *:* rwm"]`, false},
		{"seccomp-unconfined", `"SecurityOpt":["seccomp=unconfined"]`, false},
		{"apparmor-unconfined", `"SecurityOpt":["apparmor:unconfined"]`, false},
	}
	body := func(hc string) string {
		if top, ok := strings.CutPrefix(hc, "top:"); ok {
			return `{"Image":"busybox:local","Cmd":["true"],` + top + `}`
		}
		return `{"Image":"busybox:local","Cmd":["true"],"HostConfig":{"NetworkMode":"none",` + hc + `}}`
	}
	// A body's duplicate NetworkMode would be refused as a duplicate key.
	for i := range holes {
		if strings.Contains(holes[i].hc, "NetworkMode") {
			holes[i].hc = "top:" + `"HostConfig":{` + holes[i].hc + `}`
		}
	}

	t.Run("baseline", func(t *testing.T) {
		open := startProxy(t, env.daemon, "-policy", "all")
		for _, h := range holes {
			name := uniq("pol-all-" + h.name)
			removeContainers(t, name)
			code, out := call(t, open, "POST", "/v1.41/containers/create?name="+name, body(h.hc), h.chunked)
			if code != http.StatusCreated {
				t.Errorf("%s under policy all: %d %s, want 201", h.name, code, out)
				continue
			}
			hc := inspectHostConfig(t, name)
			if strings.HasPrefix(h.name, "privileged") && hc["Privileged"] != true {
				t.Errorf("%s under policy all: Privileged = %v", h.name, hc["Privileged"])
			}
		}
	})

	// An allowlist that permits create (before the body rules, it let
	// every one of these through), and ci-runner.
	var p *proxyProc
	// The default policy (no -policy flag) is full: every body rule holds.
	for _, args := range [][]string{{"-limit-short", "1m"}, {"-allow", "POST /containers/create"}, {"-policy", "ci-runner", "-allow-bind", allowed}} {
		pp := startProxy(t, env.daemon, args...)
		p = pp
		for _, h := range holes {
			name := uniq("pol-deny-" + h.name)
			removeContainers(t, name)
			code, out := call(t, pp, "POST", "/v1.41/containers/create?name="+name, body(h.hc), h.chunked)
			if code != http.StatusForbidden && code != http.StatusBadRequest {
				t.Errorf("%s: %d %s, want 403 or 400", h.name, code, out)
			}
			if !strings.Contains(out, `"message":"dockerproxy: `) {
				t.Errorf("%s: no Docker-style JSON message: %s", h.name, out)
			}
			settle(t)
			if reached("name="+name, "POST") || inspectHostConfig(t, name) != nil {
				t.Errorf("%s reached dockerd", h.name)
			}
			t.Logf("%s %s: %d %s", args[1], h.name, code, strings.TrimSpace(out))
		}
	}

	t.Run("malformed", func(t *testing.T) {
		name := uniq("pol-bad")
		code, out := call(t, p, "POST", "/v1.41/containers/create?name="+name, `{"Image":"busybox:local",`, false)
		var msg struct{ Message string }
		if code != http.StatusBadRequest || json.Unmarshal([]byte(out), &msg) != nil || msg.Message == "" {
			t.Errorf("malformed JSON: %d %s, want 400 with a JSON message", code, out)
		}
		settle(t)
		if reached("name="+name, "POST") {
			t.Errorf("a malformed body reached dockerd")
		}
	})

	t.Run("content-length-0", func(t *testing.T) {
		// The JSON after "Content-Length: 0" is the next request on the
		// connection, not this one's body: what dockerd receives for the
		// create is empty, so it creates nothing.
		name := uniq("pol-cl0")
		removeContainers(t, name)
		b := `{"Image":"busybox:local","HostConfig":{"Privileged":true}}`
		code, out := rawCall(t, p, "POST /v1.41/containers/create?name="+name+" HTTP/1.1\r\nHost: "+p.addr+
			"\r\nContent-Type: application/json\r\nContent-Length: 0\r\n\r\n"+b)
		settle(t)
		if hc := inspectHostConfig(t, name); hc != nil {
			t.Errorf("a container was created from the bytes after Content-Length: 0: %v", hc)
		}
		t.Logf("create with Content-Length: 0 and JSON after it: %d %s", code, strings.TrimSpace(out))
	})

	t.Run("allowed", func(t *testing.T) {
		sub := filepath.Join(allowed, "job")
		if err := os.MkdirAll(sub, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, chunked := range []bool{false, true} {
			name := uniq("pol-ok")
			removeContainers(t, name)
			code, out := call(t, p, "POST", "/v1.41/containers/create?name="+name,
				`{"Image":"busybox:local","Cmd":["true"],"HostConfig":{"NetworkMode":"none","Binds":["`+sub+`:/work:ro"]}}`, chunked)
			if code != http.StatusCreated {
				t.Fatalf("create with a bind under -allow-bind (chunked %v): %d %s", chunked, code, out)
			}
			hc := inspectHostConfig(t, name)
			if binds, _ := hc["Binds"].([]any); len(binds) != 1 || binds[0] != sub+":/work:ro" {
				t.Errorf("dockerd stored binds %v", hc["Binds"])
			}
		}
		// The CLI: run works, a bind outside the allowed paths does not,
		// and neither do a privileged exec or a host-network build.
		c := tlsCLI(t, p.addr)
		if out := c.must(t, "run", "--rm", "--network", "none", "-v", sub+":/work", "busybox:local", "ls", "/work"); strings.TrimSpace(out) != "" {
			t.Logf("ls: %s", out)
		}
		out, err := c.run(t, "run", "--rm", "--network", "none", "-v", "/etc:/host", "busybox:local", "true")
		if err == nil || !strings.Contains(out, `bind mount of host path "/etc"`) {
			t.Errorf("docker run -v /etc:/host: %v %s", err, out)
		}
		// The host network named by its ID is not the host's namespace:
		// dockerd shares the host's only for the name "host", so the
		// rule refuses that name alone.
		id, err := env.daemon.docker("network", "inspect", "host", "--format", "{{.Id}}")
		if err != nil {
			t.Fatalf("network inspect host: %v %s", err, id)
		}
		for _, n := range []string{strings.TrimSpace(id), strings.TrimSpace(id)[:12]} {
			if out := c.must(t, "run", "--rm", "--network", n, "busybox:local", "ip", "-o", "link"); strings.Count(strings.TrimSpace(out), "\n") != 0 || !strings.Contains(out, "lo:") {
				t.Errorf("--network %s: the container sees more than its loopback:\n%s", n, out)
			}
		}
		name := uniq("pol-exec")
		removeContainers(t, name)
		c.must(t, "run", "-d", "--network", "none", "--name", name, "busybox:local", "sleep", "600")
		out, err = c.run(t, "exec", "--privileged", name, "true")
		if err == nil || !strings.Contains(out, "Privileged exec is not allowed") {
			t.Errorf("docker exec --privileged: %v %s", err, out)
		}
		c.must(t, "exec", name, "true")
		ctxDir := t.TempDir()
		os.WriteFile(filepath.Join(ctxDir, "Dockerfile"), []byte("FROM busybox:local\nRUN true\n"), 0o644)
		out, err = c.run(t, "build", "--network", "host", "-q", ctxDir)
		if err == nil || !strings.Contains(out, "networkmode=host is not allowed") {
			t.Errorf("docker build --network host: %v %s", err, out)
		}
		t.Logf("CLI: %s", strings.TrimSpace(out))
	})
}

// TestPolicyProfiles: each profile through the docker CLI.
func TestPolicyProfiles(t *testing.T) {
	need(t)
	ctxDir := t.TempDir()
	os.WriteFile(filepath.Join(ctxDir, "Dockerfile"), []byte("FROM busybox:local\nRUN true\n"), 0o644)
	tag := uniq("e2e/profile")
	t.Cleanup(func() { _, _ = env.daemon.docker("rmi", "-f", tag+":1") })
	for _, c := range []struct {
		profile        string
		ps, build, run bool
	}{
		{"observe", true, false, false},
		{"build-push", true, true, false},
		{"ci-runner", true, true, true},
		{"full", true, true, true},
	} {
		t.Run(c.profile, func(t *testing.T) {
			p := startProxy(t, env.daemon, "-policy", c.profile)
			cli := tlsCLI(t, p.addr)
			try := func(want bool, args ...string) {
				out, err := cli.run(t, args...)
				if (err == nil) != want {
					t.Errorf("docker %s under %s: %v %s, want success %v", strings.Join(args, " "), c.profile, err, out, want)
				}
				if err != nil && !strings.Contains(out, "not allowed by policy "+c.profile) {
					t.Errorf("docker %s: %s", strings.Join(args, " "), out)
				}
			}
			try(c.ps, "ps")
			try(c.build, "build", "-q", "-t", tag+":1", ctxDir)
			try(c.run, "run", "--rm", "--network", "none", "busybox:local", "true")
		})
	}
}

// TestPolicyPerClient: two clients, named by their tokens, get the
// profiles -client-policies gives them; a client it does not name gets
// -policy.
func TestPolicyPerClient(t *testing.T) {
	need(t)
	dir := t.TempDir()
	tokBuilder, tokViewer, tokOther := "builder-"+uniq("t0123456789"), "viewer-"+uniq("t0123456789"), "other-"+uniq("t0123456789")
	tokens := filepath.Join(dir, "tokens")
	os.WriteFile(tokens, []byte("builder "+tokBuilder+"\nviewer "+tokViewer+"\nother "+tokOther+"\n"), 0o600)
	clients := filepath.Join(dir, "clients")
	// The viewer restarts the builder's container: an admin, under
	// ownership, with one extra rule.
	os.WriteFile(clients, []byte("builder ci-runner\nviewer observe admin POST /containers/*/restart\n"), 0o600)
	// Plain HTTP on loopback: with a client certificate, the certificate
	// would name the client instead of the token.
	p := startProxyWith(t, env.daemon, false, "-token-file", tokens, "-policy", "observe", "-client-policies", clients)
	as := func(tok string) *cli {
		c := plainCLI(t, "tcp://"+p.addr)
		c.setHeaders(t, map[string]string{"Authorization": "Bearer " + tok})
		return c
	}
	name := uniq("pol-client")
	removeContainers(t, name)
	as(tokBuilder).must(t, "run", "-d", "--network", "none", "--name", name, "busybox:local", "sleep", "600")
	if out, err := as(tokViewer).run(t, "run", "--rm", "--network", "none", "busybox:local", "true"); err == nil || !strings.Contains(out, "not allowed by policy observe") {
		t.Errorf("viewer ran a container: %v %s", err, out)
	}
	as(tokViewer).must(t, "restart", "-t", "0", name)
	if out, err := as(tokOther).run(t, "restart", "-t", "0", name); err == nil || !strings.Contains(out, "not allowed by policy observe") {
		t.Errorf("a client without its own policy restarted a container: %v %s", err, out)
	}
	as(tokOther).must(t, "ps")
	if out, err := as(tokBuilder).run(t, "run", "--rm", "--privileged", "--network", "none", "busybox:local", "true"); err == nil || !strings.Contains(out, "Privileged is not allowed by policy ci-runner") {
		t.Errorf("builder ran a privileged container: %v %s", err, out)
	}
}

// TestPolicyRouteTable: the proxy's copy of dockerd's router agrees with
// the real one. Each probe goes straight to dockerd's socket with API
// version 1.0 (dockerd logs "Calling" when it routes the request, then
// refuses the version, so nothing is acted on); it is routed exactly when
// route.Lookup finds an endpoint.
func TestPolicyRouteTable(t *testing.T) {
	need(t)
	direct := &http.Client{
		Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", env.daemon.sock)
		}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	type probe struct{ method, path string }
	var probes []probe
	// Endpoints of later API versions: dockerd 20.10 must not route
	// them, which the loop below checks too.
	newer := map[string]bool{}
	fill := strings.NewReplacer("{name:.*}", "x", "{id:.*}", "x", "{id:.+}", "x", "{name}", "x", "{id}", "x", "{checkpoint}", "c")
	for _, e := range route.Endpoints {
		if !e.Versioned {
			continue // dockerd's /debug routes answer for real; /debug/vars is probed below
		}
		probes = append(probes, probe{e.Method, "/v1.0" + fill.Replace(e.Path)})
		if e.Since != "" {
			newer[e.Method+" /v1.0"+fill.Replace(e.Path)] = true
		}
	}
	probes = append(probes,
		probe{"GET", "/debug/vars"},
		probe{"GET", "/v1.0/debug/vars"},
		probe{"GET", "/v1.0/containers/x/bogus"},
		probe{"GET", "/v1.0/Containers/json"},
		probe{"GET", "/v1.0/containers/json/"},
		probe{"HEAD", "/v1.0/containers/json"},
		probe{"POST", "/v1.0/containers/json"},
		probe{"GET", "/v1.0/images/x/push"},
		probe{"GET", "/v/containers/json"},
		probe{"GET", "/v1.0.0/containers/a/b/json"},
		probe{"GET", "/v1..0/info"},
		probe{"DELETE", "/v1.0/containers/a/checkpoints/b"},
		probe{"DELETE", "/v1.0/containers/a/checkpoints/b/c"},
		probe{"DELETE", "/v1.0/containers/a/"},
		probe{"GET", "/v1.0/networks/"},
		probe{"GET", "/v1.0/networks/a/b"},
		probe{"GET", "/v1.0/volumes/"},
		probe{"GET", "/v1.0/services/a/b"},
		probe{"POST", "/v1.0/services/a/b/update"},
		probe{"GET", "/v1.0/containers/x/../../info"},
		probe{"GET", "/v1.0/containers//json"},
	)
	for i, pr := range probes {
		uri := fmt.Sprintf("%s?rt=%d-%d", pr.path, time.Now().UnixNano(), i)
		req, err := http.NewRequest(pr.method, "http://docker"+uri, nil)
		if err != nil {
			t.Fatal(err)
		}
		res, err := direct.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", pr.method, uri, err)
		}
		res.Body.Close()
		settle(t)
		got := reached(uri, pr.method)
		want := route.Lookup(pr.method, pr.path).Endpoint != nil && !newer[pr.method+" "+pr.path]
		if got != want {
			t.Errorf("%s %s: dockerd routed it: %v; route.Lookup: %v (status %d)", pr.method, pr.path, got, want, res.StatusCode)
		}
	}
	t.Logf("%d probes", len(probes))
}
