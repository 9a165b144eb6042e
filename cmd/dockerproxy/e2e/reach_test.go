package e2e

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The reach tests: what a client gets *indirectly*, through another
// container, the cluster, a host interface or the daemon's own fetches.
// Each shows the effect under -policy all first, then the refusal under
// the default policy (full) and smaller profiles, with nothing reaching
// dockerd.

// nsOf returns the namespace link (net:[4026531992]) of kind for pid.
func nsOf(t *testing.T, pid int, kind string) string {
	t.Helper()
	l, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/%s", pid, kind))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// containerPid returns the main process of a running container.
func containerPid(t *testing.T, d *daemon, name string) int {
	t.Helper()
	out, err := d.docker("inspect", "--format", "{{.State.Pid}}", name)
	if err != nil {
		t.Fatalf("inspect %s: %v %s", name, err, out)
	}
	var pid int
	fmt.Sscan(strings.TrimSpace(out), &pid)
	if pid <= 0 {
		t.Fatalf("container %s is not running: %s", name, out)
	}
	return pid
}

// refusedBefore checks that a request was answered 403 by the proxy and
// never reached dockerd.
func refusedBefore(t *testing.T, what string, code int, body, marker, method string) {
	t.Helper()
	if code != http.StatusForbidden || !strings.Contains(body, `"message":"dockerproxy: `) {
		t.Errorf("%s: %d %s, want 403 with the proxy's message", what, code, body)
	}
	settle(t)
	if reached(marker, method) {
		t.Errorf("%s reached dockerd", what)
	}
	t.Logf("%s: %d %s", what, code, strings.TrimSpace(body))
}

// TestReachContainerNamespaces: container:<name> modes and VolumesFrom
// join what the target has. Under all, a container joining one in the
// host's network and PID namespaces gets the host's (namespace links equal
// dockerd's), and VolumesFrom a container with /etc bound reads the host's
// /etc; the default policy refuses both, lets a container join an
// ordinary one, and pins the reference to its ID; a build's
// networkmode=container: is refused under build-push.
func TestReachContainerNamespaces(t *testing.T) {
	need(t)
	hostNet := uniq("reach-hostnet")
	etc := uniq("reach-etc")
	plain := uniq("reach-plain")
	removeContainers(t, hostNet, etc, plain)
	for _, args := range [][]string{
		{"run", "-d", "--name", hostNet, "--network", "host", "--pid", "host", "busybox:local", "sleep", "600"},
		{"run", "-d", "--name", etc, "--network", "none", "-v", "/etc:/host-etc:ro", "busybox:local", "sleep", "600"},
		{"run", "-d", "--name", plain, "--network", "none", "busybox:local", "sleep", "600"},
	} {
		if out, err := env.daemon.docker(args...); err != nil {
			t.Fatalf("docker %v: %v\n%s", args, err, out)
		}
	}
	dockerd := env.daemon.cmd.Process.Pid
	create := func(p *proxyProc, name, hc string) (int, string) {
		return call(t, p, "POST", "/v1.41/containers/create?name="+name,
			`{"Image":"busybox:local","Cmd":["sleep","600"],"HostConfig":{`+hc+`}}`, false)
	}

	open := startProxy(t, env.daemon, "-policy", "all")
	joined := uniq("reach-join-all")
	removeContainers(t, joined)
	if code, out := create(open, joined, `"NetworkMode":"container:`+hostNet+`","PidMode":"container:`+hostNet+`"`); code != http.StatusCreated {
		t.Fatalf("baseline: create joining %s under all: %d %s", hostNet, code, out)
	}
	if code, out := call(t, open, "POST", "/v1.41/containers/"+joined+"/start", "", false); code != http.StatusNoContent {
		t.Fatalf("baseline: start: %d %s", code, out)
	}
	pid := containerPid(t, env.daemon, joined)
	for _, ns := range []string{"net", "pid"} {
		if got, host := nsOf(t, pid, ns), nsOf(t, dockerd, ns); got != host {
			t.Fatalf("baseline: the joining container's %s namespace is %s, dockerd's %s", ns, got, host)
		}
	}
	vf := uniq("reach-vf-all")
	removeContainers(t, vf)
	if code, out := call(t, open, "POST", "/v1.41/containers/create?name="+vf,
		`{"Image":"busybox:local","Cmd":["cat","/host-etc/hostname"],"HostConfig":{"NetworkMode":"none","VolumesFrom":["`+etc+`"]}}`, false); code != http.StatusCreated {
		t.Fatalf("baseline: VolumesFrom under all: %d %s", code, out)
	}
	hostname, _ := os.ReadFile("/etc/hostname")
	if out, err := env.daemon.docker("start", "-a", vf); err != nil || strings.TrimSpace(out) != strings.TrimSpace(string(hostname)) {
		t.Fatalf("baseline: VolumesFrom read %q (%v), the host's /etc/hostname is %q", out, err, hostname)
	}
	t.Logf("baseline: net and pid namespaces of dockerd through container:%s; /etc/hostname through VolumesFrom", hostNet)

	def := startProxy(t, env.daemon, noOwnership)
	for _, c := range []struct{ what, hc string }{
		{"NetworkMode container:", `"NetworkMode":"container:` + hostNet + `"`},
		{"PidMode container: by ID prefix", `"NetworkMode":"none","PidMode":"container:` + containerID(t, hostNet)[:12] + `"`},
		{"IpcMode container:", `"NetworkMode":"none","IpcMode":"container:` + hostNet + `"`},
		{"VolumesFrom", `"NetworkMode":"none","VolumesFrom":["` + etc + `:ro"]`},
		{"a missing container", `"NetworkMode":"container:` + uniq("nobody") + `"`},
	} {
		name := uniq("reach-join-deny")
		removeContainers(t, name)
		code, out := create(def, name, c.hc)
		refusedBefore(t, c.what, code, out, "name="+name, "POST")
	}
	ok := uniq("reach-join-ok")
	removeContainers(t, ok)
	if code, out := create(def, ok, `"NetworkMode":"container:`+plain+`"`); code != http.StatusCreated {
		t.Fatalf("joining an ordinary container under full: %d %s", code, out)
	}
	if hc := inspectHostConfig(t, ok); hc["NetworkMode"] != "container:"+containerID(t, plain) {
		t.Errorf("NetworkMode stored as %v, want the reference pinned to the ID judged", hc["NetworkMode"])
	}
	// The lookup is cached briefly: a burst of creates joining one
	// container costs one inspect or two, and a create naming no
	// container costs none.
	inspects := func() int { return len(logLines(env.daemon.log.String(), "Calling GET /containers/"+plain+"/json")) }
	before := inspects()
	for i := 0; i < 5; i++ {
		name := uniq("reach-join-burst")
		removeContainers(t, name)
		if code, out := create(def, name, `"NetworkMode":"container:`+plain+`"`); code != http.StatusCreated {
			t.Fatalf("burst create %d: %d %s", i, code, out)
		}
	}
	settle(t)
	if n := inspects() - before; n > 2 { // 2: the cache may expire once on a loaded machine
		t.Errorf("5 creates joining %s within the cache's lifetime sent %d inspects to dockerd, want at most 2", plain, n)
	}
	allInspects := len(logLines(env.daemon.log.String(), "Calling GET /containers/", "/json"))
	lone := uniq("reach-nojoin")
	removeContainers(t, lone)
	if code, out := create(def, lone, `"NetworkMode":"none"`); code != http.StatusCreated {
		t.Fatalf("create without a container reference: %d %s", code, out)
	}
	settle(t)
	if n := len(logLines(env.daemon.log.String(), "Calling GET /containers/", "/json")) - allInspects; n != 0 {
		t.Errorf("a create naming no container sent %d inspects to dockerd", n)
	}

	// A build whose RUN steps join the host-network container.
	ctxTar := contextTar(t, map[string]string{"Dockerfile": "FROM busybox:local\nRUN readlink /proc/self/ns/net\n"})
	uri := "/v1.41/build?networkmode=container:" + hostNet + "&rm=1&q=0&n=" + uniq("b")
	code, out := callBody(t, open, uri, "application/x-tar", ctxTar)
	if code != http.StatusOK || !strings.Contains(out, nsOf(t, dockerd, "net")) {
		t.Fatalf("baseline: build with networkmode=container: under all: %d, the RUN step did not print dockerd's %s:\n%s", code, nsOf(t, dockerd, "net"), out)
	}
	bp := startProxy(t, env.daemon, noOwnership, "-policy", "build-push")
	uri = "/v1.41/build?networkmode=container:" + hostNet + "&rm=1&n=" + uniq("b")
	code, out = callBody(t, bp, uri, "application/x-tar", ctxTar)
	refusedBefore(t, "build networkmode=container: under build-push", code, out, uri, "POST")
}

func containerID(t *testing.T, name string) string {
	t.Helper()
	out, err := env.daemon.docker("inspect", "--format", "{{.Id}}", name)
	if err != nil {
		t.Fatalf("inspect %s: %v %s", name, err, out)
	}
	return strings.TrimSpace(out)
}

// callBody sends a body with a content type through the proxy.
func callBody(t *testing.T, p *proxyProc, uri, ctype string, body []byte) (int, string) {
	t.Helper()
	req, err := http.NewRequest("POST", "https://"+p.addr+uri, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", ctype)
	res, err := apiClient(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// contextTar makes a build context of files.
func contextTar(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := tar.NewWriter(&b)
	for name, body := range files {
		if err := w.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, body)
	}
	w.Close()
	return b.Bytes()
}

// TestReachLogDriver: a container with no network and a syslog log
// driver pointed at the host's loopback: under all the daemon sends the
// container's output there (a listener the test opens receives it); the
// default policy refuses the driver, and -allow-log-driver syslog allows
// it again.
func TestReachLogDriver(t *testing.T) {
	need(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got := make(chan string, 16)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				sc := bufio.NewScanner(c)
				for sc.Scan() {
					got <- sc.Text()
				}
			}()
		}
	}()
	body := func(marker string) string {
		return `{"Image":"busybox:local","Cmd":["echo","` + marker + `"],"HostConfig":{"NetworkMode":"none",` +
			`"LogConfig":{"Type":"syslog","Config":{"syslog-address":"tcp://` + ln.Addr().String() + `"}}}}`
	}
	received := func(marker string, within time.Duration) bool {
		deadline := time.After(within)
		for {
			select {
			case l := <-got:
				if strings.Contains(l, marker) {
					return true
				}
			case <-deadline:
				return false
			}
		}
	}
	run := func(p *proxyProc, what string) (int, string, string) {
		name, marker := uniq("reach-log"), uniq("logged-from-none")
		removeContainers(t, name)
		code, out := call(t, p, "POST", "/v1.41/containers/create?name="+name, body(marker), false)
		if code == http.StatusCreated {
			if c, o := call(t, p, "POST", "/v1.41/containers/"+name+"/start", "", false); c != http.StatusNoContent {
				t.Fatalf("%s: start: %d %s", what, c, o)
			}
		}
		return code, out, marker
	}

	open := startProxy(t, env.daemon, "-policy", "all")
	if code, out, marker := run(open, "baseline"); code != http.StatusCreated || !received(marker, 20*time.Second) {
		t.Fatalf("baseline: under all (%d %s) the listener on %s did not receive the container's output", code, out, ln.Addr())
	}
	for _, args := range [][]string{nil, {"-policy", "ci-runner"}} {
		p := startProxy(t, env.daemon, args...)
		name, marker := uniq("reach-log-deny"), uniq("m")
		code, out := call(t, p, "POST", "/v1.41/containers/create?name="+name, body(marker), false)
		refusedBefore(t, fmt.Sprintf("syslog to loopback %v", args), code, out, "name="+name, "POST")
		if received(marker, 500*time.Millisecond) {
			t.Errorf("the listener received output under %v", args)
		}
	}
	// The local driver with file options passes; syslog with its flag.
	def := startProxy(t, env.daemon)
	name := uniq("reach-log-local")
	removeContainers(t, name)
	if code, out := call(t, def, "POST", "/v1.41/containers/create?name="+name,
		`{"Image":"busybox:local","Cmd":["true"],"HostConfig":{"NetworkMode":"none","LogConfig":{"Type":"json-file","Config":{"max-size":"1m"}}}}`, false); code != http.StatusCreated {
		t.Errorf("json-file with max-size under full: %d %s", code, out)
	}
	allowed := startProxy(t, env.daemon, "-allow-log-driver", "syslog")
	if code, out, marker := run(allowed, "-allow-log-driver syslog"); code != http.StatusCreated || !received(marker, 20*time.Second) {
		t.Errorf("-allow-log-driver syslog: %d %s, output received: false", code, out)
	}
}

// TestReachBuildAdd: a build with networkmode=none whose Dockerfile ADDs
// a URL on the host's loopback: under all the daemon fetches it into the
// image; under build-push and the default policy the build is refused,
// whether the context is plain, gzip-compressed or names its Dockerfile
// by the dockerfile parameter, and the server sees no request.
func TestReachBuildAdd(t *testing.T) {
	need(t)
	secret := uniq("loopback-only-secret")
	hits := make(chan string, 16)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits <- r.URL.Path
		io.WriteString(w, secret)
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	defer srv.Close()
	df := "FROM busybox:local\nADD http://" + ln.Addr().String() + "/secret /secret\n"

	open := startProxy(t, env.daemon, "-policy", "all")
	tag := uniq("e2e/reach-add") + ":1"
	t.Cleanup(func() { _, _ = env.daemon.docker("rmi", "-f", tag) })
	code, out := callBody(t, open, "/v1.41/build?networkmode=none&rm=1&t="+tag, "application/x-tar", contextTar(t, map[string]string{"Dockerfile": df}))
	if code != http.StatusOK || strings.Contains(out, "errorDetail") {
		t.Fatalf("baseline: build under all: %d %s", code, out)
	}
	if got, err := env.daemon.docker("run", "--rm", "--network", "none", tag, "cat", "/secret"); err != nil || got != secret {
		t.Fatalf("baseline: the image holds %q (%v), want the loopback server's %q", got, err, secret)
	}
	<-hits

	gzipped := func(b []byte) []byte {
		var out bytes.Buffer
		z := gzip.NewWriter(&out)
		z.Write(b)
		z.Close()
		return out.Bytes()
	}
	filler := strings.Repeat("f", 256<<10) // the Dockerfile comes after data
	for _, args := range [][]string{{"-policy", "build-push"}, nil} {
		p := startProxy(t, env.daemon, args...)
		for _, c := range []struct {
			what, query string
			ctx         []byte
		}{
			{"plain", "", contextTar(t, map[string]string{"Dockerfile": df})},
			{"gzip", "", gzipped(contextTar(t, map[string]string{"a-filler": filler, "Dockerfile": df}))},
			{"dockerfile=ci/Dockerfile.x", "&dockerfile=ci/Dockerfile.x", contextTar(t, map[string]string{"Dockerfile": "FROM busybox:local\n", "ci/Dockerfile.x": df})},
		} {
			tag := uniq("e2e/reach-add-deny") + ":1"
			uri := "/v1.41/build?networkmode=none&rm=1&t=" + tag + c.query
			code, out := callBody(t, p, uri, "application/x-tar", c.ctx)
			if code != http.StatusForbidden || !strings.Contains(out, "ADD from a URL") {
				t.Errorf("%v %s: %d %s, want 403 naming ADD from a URL", args, c.what, code, out)
			}
			if _, err := env.daemon.docker("image", "inspect", tag); err == nil {
				t.Errorf("%v %s: the image was built", args, c.what)
				_, _ = env.daemon.docker("rmi", "-f", tag)
			}
			t.Logf("%v %s: %d %s", args, c.what, code, strings.TrimSpace(out))
		}
	}
	select {
	case h := <-hits:
		t.Errorf("the loopback server was asked for %s by a refused build", h)
	case <-time.After(time.Second):
	}
	// The CLI's own build of a Dockerfile without remote sources works
	// under build-push (the context goes through the same reader).
	bp := startProxy(t, env.daemon, "-policy", "build-push")
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM busybox:local\nCOPY data /data\nRUN test -s /data\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "data"), []byte(filler), 0o644)
	okTag := uniq("e2e/reach-add-ok") + ":1"
	t.Cleanup(func() { _, _ = env.daemon.docker("rmi", "-f", okTag) })
	tlsCLI(t, bp.addr).must(t, "build", "-q", "-t", okTag, dir)
}

// TestReachNetworkOptions: a bridge network on a bridge the test makes
// on the host (ip link): under all the container's interface is enslaved
// to that host bridge; the default policy and ci-runner refuse the
// option, and a network with harmless options is still created.
func TestReachNetworkOptions(t *testing.T) {
	need(t)
	if _, err := exec.LookPath("ip"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("ip (iproute2) not found under CI=true")
		}
		t.Skip("ip (iproute2) not found")
	}
	br := fmt.Sprintf("e2ebr%d", time.Now().UnixNano()%100000)
	if out, err := exec.Command("ip", "link", "add", br, "type", "bridge").CombinedOutput(); err != nil {
		t.Fatalf("ip link add %s: %v %s", br, err, out)
	}
	t.Cleanup(func() { _ = exec.Command("ip", "link", "del", br).Run() })
	netBody := func(name string) string {
		return `{"Name":"` + name + `","Driver":"bridge","Options":{"com.docker.network.bridge.name":"` + br + `"}}`
	}

	open := startProxy(t, env.daemon, "-policy", "all")
	nw := uniq("reach-net-all")
	if code, out := call(t, open, "POST", "/v1.41/networks/create", netBody(nw), false); code != http.StatusCreated {
		t.Fatalf("baseline: network on host bridge %s under all: %d %s", br, code, out)
	}
	t.Cleanup(func() { _, _ = env.daemon.docker("network", "rm", nw) })
	name := uniq("reach-net-c")
	removeContainers(t, name)
	if out, err := env.daemon.docker("run", "-d", "--name", name, "--network", nw, "busybox:local", "sleep", "600"); err != nil {
		t.Fatalf("run on %s: %v %s", nw, err, out)
	}
	out, _ := exec.Command("ip", "-o", "link", "show", "master", br).CombinedOutput()
	if !strings.Contains(string(out), "veth") {
		t.Fatalf("baseline: no container interface on host bridge %s:\n%s", br, out)
	}
	t.Logf("baseline: on host bridge %s: %s", br, strings.TrimSpace(string(out)))

	for _, args := range [][]string{nil, {"-policy", "ci-runner"}} {
		p := startProxy(t, env.daemon, args...)
		name := uniq("reach-net-deny")
		uri := "/v1.41/networks/create?n=" + name // the query marks it in dockerd's log
		code, out := call(t, p, "POST", uri, netBody(name), false)
		refusedBefore(t, fmt.Sprintf("bridge.name under %v", args), code, out, uri, "POST")
		if _, err := env.daemon.docker("network", "inspect", name); err == nil {
			t.Errorf("network %s exists under %v", name, args)
			_, _ = env.daemon.docker("network", "rm", name)
		}
	}
	def := startProxy(t, env.daemon)
	okNet := uniq("reach-net-ok")
	if code, out := call(t, def, "POST", "/v1.41/networks/create", `{"Name":"`+okNet+`","Driver":"bridge","Options":{"com.docker.network.driver.mtu":"1400"}}`, false); code != http.StatusCreated {
		t.Errorf("network with mtu under full: %d %s", code, out)
	}
	_, _ = env.daemon.docker("network", "rm", okNet)
}

// settleOn waits until d has logged every request sent before it.
func settleOn(t *testing.T, d *daemon) {
	t.Helper()
	marker := fmt.Sprintf("/v1.41/_ping?settle=%d", time.Now().UnixNano())
	if out, err := d.docker("version"); err != nil {
		t.Fatalf("docker version on %s: %v %s", d.name, err, out)
	}
	c := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", d.sock)
	}}}
	res, err := c.Get("http://docker" + marker)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if !waitFor(10*time.Second, func() bool { return len(logLines(d.log.String(), "Calling GET ", marker)) > 0 }) {
		t.Fatalf("dockerd %s did not log the marker request", d.name)
	}
}

func reachedOn(d *daemon, uri, method string) bool {
	return len(logLines(d.log.String(), "Calling "+method+" ", uri)) > 0
}

// swarmDaemon starts a private dockerd with busybox:local loaded from the
// main one, stopped when t ends.
func swarmDaemon(t *testing.T, name string) *daemon {
	t.Helper()
	d, err := startDaemon(name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = d.docker("swarm", "leave", "--force")
		d.stop()
	})
	img := filepath.Join(t.TempDir(), "busybox.tar")
	if out, err := env.daemon.docker("save", "-o", img, "busybox:local"); err != nil {
		t.Fatalf("save: %v %s", err, out)
	}
	if out, err := d.docker("load", "-i", img); err != nil {
		t.Fatalf("load into %s: %v %s", name, err, out)
	}
	return d
}

// TestReachSwarm: a single-node swarm on a private dockerd (swarm init on
// 127.0.0.1). Under all, a service whose network Target is the ID of the
// host network runs its task in the host's network namespace, and a
// second private dockerd joins the swarm through the proxy as a worker,
// after which the manager could schedule tasks on it; under the default
// policy the host network is refused under its ID, an ID prefix and its
// name, in create and update, and join, init, leave, update, unlock and
// GET /swarm (the join tokens) are refused before dockerd.
func TestReachSwarm(t *testing.T) {
	need(t)
	mgr := swarmDaemon(t, "swarm-mgr")
	mgrPort := freeAddr(t)
	if out, err := mgr.docker("swarm", "init", "--advertise-addr", "127.0.0.1", "--listen-addr", mgrPort); err != nil {
		t.Fatalf("swarm init on a private dockerd: %v\n%s", err, out)
	}
	hostID, err := mgr.docker("network", "inspect", "--format", "{{.Id}}", "host")
	if err != nil {
		t.Fatalf("network inspect host: %v %s", err, hostID)
	}
	hostID = strings.TrimSpace(hostID)
	service := func(name, target string) string {
		return `{"Name":"` + name + `","TaskTemplate":{"ContainerSpec":{"Image":"busybox:local","Command":["sleep","600"]},` +
			`"Networks":[{"Target":"` + target + `"}]},"Mode":{"Replicated":{"Replicas":1}}}`
	}

	open := startProxy(t, mgr, "-policy", "all")
	name := uniq("reach-svc-all")
	if code, out := call(t, open, "POST", "/v1.41/services/create", service(name, hostID), false); code != http.StatusCreated {
		t.Fatalf("baseline: service on the host network by ID under all: %d %s", code, out)
	}
	t.Cleanup(func() { _, _ = mgr.docker("service", "rm", name) })
	var task string
	if !waitFor(60*time.Second, func() bool {
		out, err := mgr.docker("ps", "-q", "--filter", "label=com.docker.swarm.service.name="+name)
		task = strings.TrimSpace(out)
		return err == nil && task != ""
	}) {
		out, _ := mgr.docker("service", "ps", "--no-trunc", name)
		t.Fatalf("baseline: the service's task did not start:\n%s", out)
	}
	pid := containerPid(t, mgr, task)
	if got, host := nsOf(t, pid, "net"), nsOf(t, mgr.cmd.Process.Pid, "net"); got != host {
		t.Fatalf("baseline: the task's network namespace is %s, dockerd's %s", got, host)
	}
	t.Logf("baseline: the task of a service on network %s runs in dockerd's network namespace", hostID[:12])

	def := startProxy(t, mgr)
	for _, target := range []string{hostID, hostID[:12], "host"} {
		name := uniq("reach-svc-deny")
		uri := "/v1.41/services/create?n=" + name
		code, out := call(t, def, "POST", uri, service(name, target), false)
		if code != http.StatusForbidden {
			t.Errorf("service on network %q under full: %d %s, want 403", target, code, out)
		}
		settleOn(t, mgr)
		if reachedOn(mgr, uri, "POST") {
			t.Errorf("service on network %q reached dockerd", target)
		}
		t.Logf("network %q: %d %s", target, code, strings.TrimSpace(out))
	}
	// A service without a host network is created, and updating it onto
	// the host network is refused.
	plain := uniq("reach-svc-ok")
	code, out := call(t, def, "POST", "/v1.41/services/create",
		`{"Name":"`+plain+`","TaskTemplate":{"ContainerSpec":{"Image":"busybox:local","Command":["sleep","600"]}},"Mode":{"Replicated":{"Replicas":0}}}`, false)
	if code != http.StatusCreated {
		t.Fatalf("service without networks under full: %d %s", code, out)
	}
	t.Cleanup(func() { _, _ = mgr.docker("service", "rm", plain) })
	ver, _ := mgr.docker("service", "inspect", "--format", "{{.Version.Index}}", plain)
	uri := "/v1.41/services/" + plain + "/update?version=" + strings.TrimSpace(ver)
	code, out = call(t, def, "POST", uri, service(plain, hostID[:16]), false)
	if code != http.StatusForbidden {
		t.Errorf("update onto the host network: %d %s", code, out)
	}
	settleOn(t, mgr)
	if reachedOn(mgr, uri, "POST") {
		t.Errorf("the update reached dockerd")
	}

	// Joining a cluster: a second private dockerd joins as a worker
	// through the proxy under all; under full the same request is refused.
	tok, err := mgr.docker("swarm", "join-token", "-q", "worker")
	if err != nil {
		t.Fatalf("join-token: %v %s", err, tok)
	}
	wk := swarmDaemon(t, "swarm-wk")
	join := `{"ListenAddr":"` + freeAddr(t) + `","AdvertiseAddr":"127.0.0.1","RemoteAddrs":["` + mgrPort + `"],"JoinToken":"` + strings.TrimSpace(tok) + `"}`
	wkFull := startProxy(t, wk)
	uri = "/v1.41/swarm/join?n=" + uniq("j")
	code, out = call(t, wkFull, "POST", uri, join, false)
	if code != http.StatusForbidden {
		t.Errorf("swarm join under full: %d %s", code, out)
	}
	for _, r := range [][2]string{{"GET", "/v1.41/swarm"}, {"POST", "/v1.41/swarm/leave"}, {"POST", "/v1.41/swarm/init"}, {"GET", "/v1.41/swarm/unlockkey"}} {
		if code, out := call(t, def, r[0], r[1]+"?n="+uniq("s"), "", false); code != http.StatusForbidden {
			t.Errorf("%s %s under full: %d %s", r[0], r[1], code, out)
		}
	}
	settleOn(t, wk)
	if reachedOn(wk, "/swarm/join", "POST") {
		t.Fatalf("swarm join under full reached dockerd")
	}
	wkAll := startProxy(t, wk, "-policy", "all")
	if code, out := call(t, wkAll, "POST", "/v1.41/swarm/join", join, false); code != http.StatusOK {
		t.Fatalf("baseline: swarm join under all: %d %s", code, out)
	}
	if !waitFor(30*time.Second, func() bool {
		out, _ := mgr.docker("node", "ls", "--format", "{{.Hostname}} {{.Status}}")
		return strings.Count(out, "Ready") == 2
	}) {
		out, _ := mgr.docker("node", "ls")
		t.Fatalf("baseline: the manager does not list the joined worker:\n%s", out)
	}
	t.Logf("baseline: the worker joined through the proxy under all; the manager lists 2 ready nodes")
}
