package e2e

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The ownership tests: two clients under ci-runner, named by their
// tokens, share one daemon; ops is an admin. Each refusal is shown first
// to work through a proxy with -ownership=false (the baseline: the other
// client's data is read, its files written, its container stopped), then
// refused through the default proxy, with nothing of the refused request
// reaching dockerd.

const ownerKey = "io.github.streamvet.dockerproxy.owner"

// tenants runs two proxies in front of the daemon, one with ownership
// (the default) and one without, for clients alice and bob (ci-runner)
// and ops (full, admin).
type tenants struct {
	own, open          *proxyProc
	alice, bob, ops    string // tokens
	aliceC, bobC, opsC *cli   // through own
	bobOpen            *cli   // bob through open
}

func startTenants(t *testing.T) *tenants {
	t.Helper()
	dir := t.TempDir()
	tn := &tenants{alice: uniq("alice-tok0123456789"), bob: uniq("bob-tok0123456789"), ops: uniq("ops-tok0123456789")}
	tokens := filepath.Join(dir, "tokens")
	os.WriteFile(tokens, []byte("alice "+tn.alice+"\nbob "+tn.bob+"\nops "+tn.ops+"\n"), 0o600)
	clients := filepath.Join(dir, "clients")
	os.WriteFile(clients, []byte("# client  profile  [admin]\nops full admin\n"), 0o600)
	// Plain HTTP on loopback: a client certificate would name every
	// client by the certificate's name instead of its token's.
	tn.own = startProxyWith(t, env.daemon, false, "-token-file", tokens, "-client-policies", clients, "-policy", "ci-runner")
	tn.open = startProxyWith(t, env.daemon, false, "-token-file", tokens, "-client-policies", clients, "-policy", "ci-runner", "-ownership=false")
	tn.aliceC, tn.bobC, tn.opsC = tn.as(t, tn.own, tn.alice), tn.as(t, tn.own, tn.bob), tn.as(t, tn.own, tn.ops)
	tn.bobOpen = tn.as(t, tn.open, tn.bob)
	return tn
}

func (tn *tenants) as(t *testing.T, p *proxyProc, tok string) *cli {
	c := plainCLI(t, "tcp://"+p.addr)
	c.setHeaders(t, map[string]string{"Authorization": "Bearer " + tok})
	return c
}

// api sends one request through p with token tok.
func (tn *tenants) api(t *testing.T, p *proxyProc, tok, method, uri, body string) (int, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, "http://"+p.addr+uri, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	c := &http.Client{Timeout: time.Minute}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// clientRequests counts the requests dockerd logged from clients (with
// the version prefix the CLI sends; the proxy's own lookups have none)
// whose URI contains any of subs.
func clientRequests(t *testing.T, subs ...string) int {
	t.Helper()
	settle(t)
	n := 0
	for _, l := range strings.Split(env.daemon.log.String(), "\n") {
		if !strings.Contains(l, "Calling ") || !strings.Contains(l, " /v1.") {
			continue
		}
		for _, s := range subs {
			if strings.Contains(l, s) {
				n++
				break
			}
		}
	}
	return n
}

// refusedOwn checks that a CLI command or request was refused for
// ownership.
func refusedOwn(t *testing.T, what, out string, err error) {
	t.Helper()
	if err == nil || !strings.Contains(out, "not yours") {
		t.Errorf("%s: %v %s, want the proxy's refusal (not yours)", what, err, out)
		return
	}
	t.Logf("%s: %s", what, strings.TrimSpace(out))
}

// victim is a container of alice's holding a secret in its environment,
// its output and a file.
func victim(t *testing.T, c *cli, name, secret string) string {
	t.Helper()
	removeContainers(t, name)
	c.must(t, "run", "-d", "--name", name, "--network", "none", "-e", "SECRET="+secret, "busybox:local",
		"sh", "-c", "echo $SECRET > /secret; echo $SECRET; exec sleep 600")
	if !waitFor(10*time.Second, func() bool {
		out, _ := env.daemon.docker("logs", name)
		return strings.Contains(out, secret)
	}) {
		t.Fatalf("%s did not start", name)
	}
	return containerID(t, name)
}

// TestOwnershipContainers: bob reaches alice's container in every way
// under -ownership=false; with ownership each is refused before dockerd,
// while alice's own requests work and an admin reaches both.
func TestOwnershipContainers(t *testing.T) {
	need(t)
	tn := startTenants(t)
	secret := uniq("alice-secret")
	base := uniq("own-base")
	victim(t, tn.aliceC, base, secret)
	net := uniq("own-net")
	tn.aliceC.must(t, "network", "create", net)
	t.Cleanup(func() { env.daemon.docker("network", "rm", net) })
	bobs := uniq("own-bob")
	removeContainers(t, bobs)
	bobNet := uniq("own-bob-net")
	tn.bobC.must(t, "network", "create", bobNet)
	t.Cleanup(func() { env.daemon.docker("network", "rm", bobNet) })
	tn.bobC.must(t, "run", "-d", "--name", bobs, "--network", bobNet, "busybox:local", "sleep", "600")
	planted := filepath.Join(t.TempDir(), "planted")
	os.WriteFile(planted, []byte("bob was here\n"), 0o644)

	// Baseline: without ownership, bob reads, writes, joins and stops
	// alice's container.
	bo := tn.bobOpen
	for _, c := range []struct {
		what string
		args []string
		want string
	}{
		{"exec", []string{"exec", base, "sh", "-c", "echo $SECRET"}, secret},
		{"logs", []string{"logs", base}, secret},
		{"inspect", []string{"inspect", "--format", "{{json .Config.Env}}", base}, secret},
		{"cp out (archive get)", []string{"cp", base + ":/secret", "-"}, secret},
		{"top", []string{"top", base}, "sleep"},
	} {
		if out, err := bo.run(t, c.args...); err != nil || !strings.Contains(out, c.want) {
			t.Fatalf("baseline %s: %v %s, want %s", c.what, err, out, c.want)
		}
	}
	code, out := tn.api(t, tn.open, tn.bob, "POST", "/v1.41/containers/"+base+"/attach?logs=1&stream=0&stdout=1", "")
	if code != http.StatusOK || !strings.Contains(out, secret) {
		t.Fatalf("baseline attach: %d %q", code, out)
	}
	bo.must(t, "cp", planted, base+":/planted")
	if got, _ := env.daemon.docker("exec", base, "cat", "/planted"); !strings.Contains(got, "bob was here") {
		t.Fatalf("baseline cp in (archive put): %q", got)
	}
	stolen := uniq("bob/stolen")
	bo.must(t, "commit", base, stolen)
	t.Cleanup(func() { env.daemon.docker("rmi", "-f", stolen) })
	if got, _ := env.daemon.docker("run", "--rm", "--network", "none", stolen, "cat", "/secret"); !strings.Contains(got, secret) {
		t.Fatalf("baseline commit: the image holds %q", got)
	}
	bo.must(t, "network", "connect", net, bobs)
	if got, _ := env.daemon.docker("inspect", "--format", "{{json .NetworkSettings.Networks}}", bobs); !strings.Contains(got, net) {
		t.Fatalf("baseline network connect: %s", got)
	}
	bo.must(t, "network", "disconnect", net, bobs)
	// An exec instance alice created, started by bob.
	code, out = tn.api(t, tn.own, tn.alice, "POST", "/v1.41/containers/"+base+"/exec", `{"Cmd":["sh","-c","echo $SECRET"],"AttachStdout":true}`)
	if code != http.StatusCreated {
		t.Fatalf("alice's exec create: %d %s", code, out)
	}
	var ex struct{ Id string }
	json.Unmarshal([]byte(out), &ex)
	code, out = tn.api(t, tn.open, tn.bob, "POST", "/v1.41/exec/"+ex.Id+"/start", `{"Detach":false,"Tty":true}`)
	if code != http.StatusOK || !strings.Contains(out, secret) {
		t.Fatalf("baseline exec start of alice's exec: %d %q", code, out)
	}
	bo.must(t, "kill", base)
	if running, _ := env.daemon.docker("inspect", "--format", "{{.State.Running}}", base); strings.TrimSpace(running) != "false" {
		t.Fatalf("baseline kill: running %s", running)
	}
	bo.must(t, "rm", base)
	if _, err := env.daemon.docker("inspect", base); err == nil {
		t.Fatal("baseline rm: the container is still there")
	}
	t.Logf("baseline: without ownership bob read alice's secret through exec, logs, inspect, cp, attach, an exec of hers and commit, wrote into her container, joined her network, killed and removed her container")

	// With ownership: every one refused, and nothing reaches dockerd.
	name := uniq("own-victim")
	id := victim(t, tn.aliceC, name, secret)
	code, out = tn.api(t, tn.own, tn.alice, "POST", "/v1.41/containers/"+name+"/exec", `{"Cmd":["sh","-c","echo $SECRET"],"AttachStdout":true}`)
	if code != http.StatusCreated {
		t.Fatalf("alice's exec create: %d %s", code, out)
	}
	json.Unmarshal([]byte(out), &ex)
	before := clientRequests(t, name, id, ex.Id, "/networks/"+net)
	bc := tn.bobC
	for _, c := range []struct {
		what string
		args []string
	}{
		{"exec", []string{"exec", name, "sh", "-c", "echo $SECRET"}},
		{"logs", []string{"logs", name}},
		{"inspect", []string{"container", "inspect", name}},
		{"cp out (archive get)", []string{"cp", name + ":/secret", "-"}},
		{"cp in (archive put)", []string{"cp", planted, name + ":/planted"}},
		{"top", []string{"top", name}},
		{"kill", []string{"kill", name}},
		{"rm", []string{"rm", "-f", name}},
		{"rename", []string{"rename", name, uniq("taken")}},
		{"commit", []string{"commit", name, uniq("bob/stolen")}},
		{"exec by ID prefix", []string{"exec", id[:12], "true"}},
		{"network connect to alice's network", []string{"network", "connect", net, bobs}},
		{"network connect of alice's container to bob's network", []string{"network", "connect", bobNet, name}},
		{"network disconnect of alice's container from bob's network", []string{"network", "disconnect", "--force", bobNet, name}},
		{"run joining alice's network", []string{"run", "--rm", "--network", net, "busybox:local", "true"}},
		{"run joining alice's container's namespaces", []string{"run", "--rm", "--network", "container:" + name, "busybox:local", "true"}},
		{"run with alice's volumes", []string{"run", "--rm", "--network", "none", "--volumes-from", name, "busybox:local", "true"}},
	} {
		out, err := bc.run(t, c.args...)
		refusedOwn(t, c.what, out, err)
	}
	for _, c := range []struct{ what, method, uri, body string }{
		{"attach", "POST", "/v1.41/containers/" + name + "/attach?logs=1&stream=0&stdout=1", ""},
		{"changes", "GET", "/v1.41/containers/" + name + "/changes", ""},
		{"start of alice's exec", "POST", "/v1.41/exec/" + ex.Id + "/start", `{"Detach":false,"Tty":true}`},
		{"inspect of alice's exec", "GET", "/v1.41/exec/" + ex.Id + "/json", ""},
		{"stats", "GET", "/v1.41/containers/" + name + "/stats?stream=0", ""},
	} {
		code, out := tn.api(t, tn.own, tn.bob, c.method, c.uri, c.body)
		if code != http.StatusForbidden || !strings.Contains(out, "not yours") {
			t.Errorf("%s: %d %s, want 403 (not yours)", c.what, code, out)
		}
	}
	if n := clientRequests(t, name, id, ex.Id, "/networks/"+net); n != before {
		t.Errorf("%d of bob's refused requests reached dockerd", n-before)
	}
	if running, _ := env.daemon.docker("inspect", "--format", "{{.State.Running}}", name); strings.TrimSpace(running) != "true" {
		t.Errorf("alice's container after bob's refused kill and rm: running %q", running)
	}
	if got, _ := env.daemon.docker("exec", name, "ls", "/"); strings.Contains(got, "planted") {
		t.Error("bob's file reached alice's container")
	}

	// Alice's own requests work, by name and ID prefix, pinned to the ID.
	ac := tn.aliceC
	if out := ac.must(t, "exec", name, "sh", "-c", "echo $SECRET"); !strings.Contains(out, secret) {
		t.Errorf("alice's exec: %s", out)
	}
	if out := ac.must(t, "logs", id[:12]); !strings.Contains(out, secret) {
		t.Errorf("alice's logs: %s", out)
	}
	code, out = tn.api(t, tn.own, tn.alice, "POST", "/v1.41/exec/"+ex.Id+"/start", `{"Detach":false,"Tty":true}`)
	if code != http.StatusOK || !strings.Contains(out, secret) {
		t.Errorf("alice's start of her exec: %d %q", code, out)
	}
	ac.must(t, "cp", planted, name+":/planted")
	if out := ac.must(t, "cp", name+":/planted", "-"); !strings.Contains(out, "bob was here") {
		t.Errorf("alice's cp: %s", out)
	}
	if n := len(logLines(env.daemon.log.String(), "Calling POST /v1.41/containers/"+id+"/exec")); n == 0 {
		t.Error("alice's exec by name was not forwarded with the container's ID")
	}
	mine := uniq("own-mine")
	removeContainers(t, mine)
	ac.must(t, "run", "-d", "--name", mine, "--network", net, "busybox:local", "sleep", "600")
	ac.must(t, "network", "disconnect", net, mine)
	ac.must(t, "network", "connect", net, mine)
	img := uniq("alice/committed")
	ac.must(t, "commit", name, img)
	t.Cleanup(func() { env.daemon.docker("rmi", "-f", img) })
	if got, _ := env.daemon.docker("image", "inspect", "--format", "{{index .Config.Labels \""+ownerKey+"\"}}", img); strings.TrimSpace(got) != "alice" {
		t.Errorf("alice's committed image is labelled %q", got)
	}
	if got, _ := env.daemon.docker("inspect", "--format", "{{index .Config.Labels \""+ownerKey+"\"}}", name); strings.TrimSpace(got) != "alice" {
		t.Errorf("alice's container is labelled %q", got)
	}
	if out, err := ac.run(t, "run", "--rm", "--network", "none", "--label", ownerKey+"=bob", "busybox:local", "true"); err == nil || !strings.Contains(out, "the proxy sets it") {
		t.Errorf("alice set the owner label to bob: %v %s", err, out)
	}

	// An admin reaches both.
	if out := tn.opsC.must(t, "exec", name, "sh", "-c", "echo $SECRET"); !strings.Contains(out, secret) {
		t.Errorf("admin exec: %s", out)
	}
	tn.opsC.must(t, "kill", bobs)
	ac.must(t, "kill", name)
	ac.must(t, "rm", name)
}

// TestOwnershipLists: docker ps -a, images, network ls and volume ls show
// each client its own objects only, an admin all of them; without
// ownership bob sees alice's.
func TestOwnershipLists(t *testing.T) {
	need(t)
	tn := startTenants(t)
	objects := map[string]map[string]string{} // client → kind → name
	for _, who := range []struct {
		name string
		c    *cli
	}{{"alice", tn.aliceC}, {"bob", tn.bobC}} {
		ctr, net, vol, img := uniq("ls-"+who.name), uniq("ls-net-"+who.name), uniq("ls-vol-"+who.name), uniq("ls-"+who.name+"/img")
		removeContainers(t, ctr)
		who.c.must(t, "create", "--name", ctr, "--network", "none", "busybox:local", "true")
		who.c.must(t, "network", "create", net)
		who.c.must(t, "volume", "create", vol)
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM busybox:local\nRUN echo "+who.name+" > /who\n"), 0o644)
		who.c.must(t, "build", "-q", "-t", img, dir)
		t.Cleanup(func() {
			env.daemon.docker("network", "rm", net)
			env.daemon.docker("volume", "rm", vol)
			env.daemon.docker("rmi", "-f", img)
		})
		objects[who.name] = map[string]string{"ps": ctr, "network": net, "volume": vol, "images": strings.Split(img, "/")[0] + "/img"}
	}
	lists := map[string][]string{
		"ps": {"ps", "-a", "--format", "{{.Names}}"}, "images": {"images", "--format", "{{.Repository}}"},
		"network": {"network", "ls", "--format", "{{.Name}}"}, "volume": {"volume", "ls", "--format", "{{.Name}}"},
	}
	for kind, args := range lists {
		if out := tn.bobOpen.must(t, args...); !strings.Contains(out, objects["alice"][kind]) {
			t.Fatalf("baseline: without ownership bob's %s does not list alice's %s:\n%s", kind, objects["alice"][kind], out)
		}
		for _, c := range []struct {
			client     string
			cl         *cli
			has, hasnt []string
		}{
			{"alice", tn.aliceC, []string{objects["alice"][kind]}, []string{objects["bob"][kind], "busybox", "host"}},
			{"bob", tn.bobC, []string{objects["bob"][kind]}, []string{objects["alice"][kind]}},
			{"ops (admin)", tn.opsC, []string{objects["alice"][kind], objects["bob"][kind]}, nil},
		} {
			out := c.cl.must(t, args...)
			for _, h := range c.has {
				if !strings.Contains(out, h) {
					t.Errorf("%s's %s does not list %s:\n%s", c.client, kind, h, out)
				}
			}
			for _, h := range c.hasnt {
				if strings.Contains(out, h) {
					t.Errorf("%s's %s lists %s:\n%s", c.client, kind, h, out)
				}
			}
		}
	}
	// The filter is dockerd's: a client's own filters still apply, and a
	// limit counts the client's containers.
	if out := tn.aliceC.must(t, "ps", "-a", "--filter", "name="+objects["bob"]["ps"], "--format", "{{.Names}}"); strings.TrimSpace(out) != "" {
		t.Errorf("alice's ps filtered on bob's name lists %q", out)
	}
	if out := tn.aliceC.must(t, "ps", "-a", "-n", "1", "--format", "{{.Names}}"); strings.TrimSpace(out) != objects["alice"]["ps"] {
		t.Errorf("alice's ps -n 1 lists %q, want her newest container %s", out, objects["alice"]["ps"])
	}
	// Events and disk usage.
	since := time.Now().Add(-10 * time.Minute).Unix()
	until := time.Now().Add(time.Second).Unix()
	evArgs := []string{"events", "--since", itoa(since), "--until", itoa(until), "--format", "{{.Type}} {{.Action}} {{.Actor.Attributes.name}}"}
	if out := tn.bobOpen.must(t, evArgs...); !strings.Contains(out, objects["alice"]["ps"]) || !strings.Contains(out, objects["alice"]["network"]) {
		t.Fatalf("baseline: bob's events without ownership lack alice's:\n%s", out)
	}
	out := tn.bobC.must(t, evArgs...)
	for _, h := range []string{objects["alice"]["ps"], objects["alice"]["network"]} {
		if strings.Contains(out, h) {
			t.Errorf("bob's events show alice's %s:\n%s", h, out)
		}
	}
	for _, h := range []string{"container create " + objects["bob"]["ps"], "network create " + objects["bob"]["network"]} {
		if !strings.Contains(out, h) {
			t.Errorf("bob's events lack %q:\n%s", h, out)
		}
	}
	_, df := tn.api(t, tn.own, tn.bob, "GET", "/v1.41/system/df", "")
	if strings.Contains(df, objects["alice"]["ps"]) || strings.Contains(df, objects["alice"]["volume"]) || !strings.Contains(df, objects["bob"]["volume"]) {
		t.Errorf("bob's disk usage: %s", df)
	}
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// TestOwnershipImagesAndPrunes: tags, builds and loads over another
// client's image, running it, and prunes of every kind, each shown to act
// on alice's objects without ownership first.
func TestOwnershipImagesAndPrunes(t *testing.T) {
	need(t)
	tn := startTenants(t)
	ac, bc, bo := tn.aliceC, tn.bobC, tn.bobOpen
	app := uniq("alice/app") + ":1"
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM busybox:local\nRUN echo alice > /who\n"), 0o644)
	ac.must(t, "build", "-q", "-t", app, dir)
	t.Cleanup(func() { env.daemon.docker("rmi", "-f", app) })
	evil := t.TempDir()
	os.WriteFile(filepath.Join(evil, "Dockerfile"), []byte("FROM busybox:local\nRUN echo bob > /who\n"), 0o644)
	bobImg := uniq("bob/evil") + ":1"
	bc.must(t, "build", "-q", "-t", bobImg, evil)
	t.Cleanup(func() { env.daemon.docker("rmi", "-f", bobImg) })
	who := func() string {
		out, _ := env.daemon.docker("run", "--rm", "--network", "none", app, "cat", "/who")
		return strings.TrimSpace(out)
	}

	// Baseline: without ownership bob moves alice's tag to his image, so
	// that alice's next run is bob's code.
	bo.must(t, "tag", bobImg, app)
	if who() != "bob" {
		t.Fatalf("baseline: after bob's tag alice's %s runs %q", app, who())
	}
	// The name now names bob's image, which alice may not move back: an
	// admin frees it.
	if out, err := ac.run(t, "build", "-q", "-t", app, dir); err == nil || !strings.Contains(out, "not yours") {
		t.Errorf("alice built over bob's image: %v %s", err, out)
	}
	tn.opsC.must(t, "rmi", app)
	ac.must(t, "build", "-q", "-t", app, dir)
	if who() != "alice" {
		t.Fatal("rebuild")
	}
	for _, c := range []struct {
		what string
		args []string
	}{
		{"tag over alice's tag", []string{"tag", bobImg, app}},
		{"tag of alice's image", []string{"tag", app, uniq("bob/copy")}},
		{"rmi of alice's image", []string{"rmi", app}},
		{"run of alice's image", []string{"run", "--rm", "--network", "none", app, "true"}},
		{"save of alice's image", []string{"save", "-o", filepath.Join(t.TempDir(), "x.tar"), app}},
		{"inspect of alice's image", []string{"image", "inspect", app}},
	} {
		out, err := bc.run(t, c.args...)
		refusedOwn(t, c.what, out, err)
	}
	out, err := bc.run(t, "build", "-q", "-t", app, evil)
	refusedOwn(t, "build -t over alice's tag", out, err)
	from := t.TempDir()
	os.WriteFile(filepath.Join(from, "Dockerfile"), []byte("FROM "+app+"\nRUN cat /who\n"), 0o644)
	out, err = bc.run(t, "build", "-q", "-t", uniq("bob/from"), from)
	refusedOwn(t, "build FROM alice's image", out, err)
	// A shared image (made on the daemon) runs for both, but its tag is
	// no client's to move.
	bc.must(t, "run", "--rm", "--network", "none", "busybox:local", "true")
	out, err = bc.run(t, "tag", bobImg, "busybox:local")
	if err == nil || !strings.Contains(out, "shared image") {
		t.Errorf("bob tagged over the shared busybox:local: %v %s", err, out)
	}
	if who() != "alice" {
		t.Errorf("alice's %s runs %q", app, who())
	}
	// An image archive tagging alice's name with bob's image: loaded
	// without ownership, it takes her tag.
	tarball := retag(t, daemonOut(t, "save", bobImg), bobImg, app)
	code, body := tn.api(t, tn.open, tn.bob, "POST", "/v1.41/images/load?quiet=1", string(tarball))
	if code != http.StatusOK || who() != "bob" {
		t.Fatalf("baseline: bob's load without ownership: %d %s; alice's %s runs %q", code, body, app, who())
	}
	tn.opsC.must(t, "rmi", app)
	ac.must(t, "build", "-q", "-t", app, dir)
	code, body = tn.api(t, tn.own, tn.bob, "POST", "/v1.41/images/load?quiet=1", string(tarball))
	if code == http.StatusOK && !strings.Contains(body, "not allowed") {
		t.Errorf("bob loaded an archive tagging %s: %d %s", app, code, body)
	}
	if who() != "alice" {
		t.Errorf("after bob's load alice's %s runs %q", app, who())
	}

	// The classic builder's cache: bob's build of the Dockerfile alice
	// built reuses her RUN step's layer (whatever her step fetched ends
	// up in his image) without ownership, not with it.
	cached := t.TempDir()
	os.WriteFile(filepath.Join(cached, "Dockerfile"), []byte("FROM busybox:local\nRUN head -c 16 /dev/urandom | od -x > /r-"+uniq("c")+"\n"), 0o644)
	ac.must(t, "build", "-t", uniq("alice/cached"), cached)
	if out := bo.must(t, "build", "-t", uniq("bob/cached"), cached); !strings.Contains(out, "Using cache") {
		t.Fatalf("baseline: bob's build without ownership did not reuse alice's cache:\n%s", out)
	}
	if out := bc.must(t, "build", "-t", uniq("bob/cached"), cached); strings.Contains(out, "Using cache") {
		t.Errorf("bob's build reused alice's cache:\n%s", out)
	}
	if out := ac.must(t, "build", "-t", uniq("alice/cached"), cached); !strings.Contains(out, "Using cache") {
		t.Errorf("alice's rebuild did not use her own cache:\n%s", out)
	}

	// Prunes remove what is the client's only.
	stopped := uniq("own-stopped")
	removeContainers(t, stopped)
	vol := uniq("own-vol")
	net := uniq("own-prune-net")
	mk := func() {
		ac.must(t, "create", "--name", stopped, "--network", "none", "busybox:local", "true")
		ac.must(t, "volume", "create", vol)
		ac.must(t, "network", "create", net)
	}
	gone := func() (ctr, v, n bool) {
		_, e1 := env.daemon.docker("container", "inspect", stopped)
		_, e2 := env.daemon.docker("volume", "inspect", vol)
		_, e3 := env.daemon.docker("network", "inspect", net)
		return e1 != nil, e2 != nil, e3 != nil
	}
	mk()
	bo.must(t, "container", "prune", "-f")
	bo.must(t, "volume", "prune", "-f")
	bo.must(t, "network", "prune", "-f")
	if c, v, n := gone(); !c || !v || !n {
		t.Fatalf("baseline: bob's prunes without ownership left alice's container %v, volume %v, network %v", !c, !v, !n)
	}
	mk()
	t.Cleanup(func() { env.daemon.docker("volume", "rm", vol); env.daemon.docker("network", "rm", net) })
	bc.must(t, "container", "prune", "-f")
	bc.must(t, "volume", "prune", "-f")
	bc.must(t, "network", "prune", "-f")
	bc.must(t, "image", "prune", "-a", "-f")
	if c, v, n := gone(); c || v || n {
		t.Errorf("bob's prunes removed alice's container %v, volume %v, network %v", c, v, n)
	}
	if who() != "alice" {
		t.Errorf("bob's image prune removed alice's image")
	}
	ac.must(t, "container", "prune", "-f")
	if c, _, _ := gone(); !c {
		t.Error("alice's own prune left her stopped container")
	}
}

// daemonOut runs the docker CLI on the daemon's socket and returns its
// output.
func daemonOut(t *testing.T, args ...string) []byte {
	t.Helper()
	out, err := env.daemon.docker(args...)
	if err != nil {
		t.Fatalf("docker %v: %v", args, err)
	}
	return []byte(out)
}

// retag rewrites the tags of a docker save archive to tag.
func retag(t *testing.T, archive []byte, from, tag string) []byte {
	t.Helper()
	var out bytes.Buffer
	tr := tar.NewReader(bytes.NewReader(archive))
	tw := tar.NewWriter(&out)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(tr)
		if h.Name == "manifest.json" || h.Name == "repositories" {
			b = bytes.ReplaceAll(b, []byte(strings.Split(from, ":")[0]), []byte(strings.Split(tag, ":")[0]))
			h.Size = int64(len(b))
		}
		tw.WriteHeader(h)
		tw.Write(b)
	}
	tw.Close()
	return out.Bytes()
}

// TestOwnershipWithoutIdentity: a client without identity (plain HTTP on
// loopback, no token) owns what has no owner label, as before ownership,
// and nothing of a named client's: without ownership it execs into
// alice's container and prunes her stopped one; with it, both refused or
// scoped, while it still execs into a container made on the daemon.
func TestOwnershipWithoutIdentity(t *testing.T) {
	need(t)
	tn := startTenants(t)
	anonOwn := plainCLI(t, "tcp://"+startProxyWith(t, env.daemon, false, "-policy", "ci-runner").addr)
	anonOpen := plainCLI(t, "tcp://"+startProxyWith(t, env.daemon, false, "-policy", "ci-runner", "-ownership=false").addr)
	secret := uniq("alice-secret")
	running := uniq("anon-target")
	victim(t, tn.aliceC, running, secret)
	stopped := uniq("anon-stopped")
	removeContainers(t, stopped)
	daemonMade := uniq("anon-daemon-made")
	removeContainers(t, daemonMade)
	if out, err := env.daemon.docker("run", "-d", "--name", daemonMade, "--network", "none", "busybox:local", "sleep", "600"); err != nil {
		t.Fatalf("%v %s", err, out)
	}
	exists := func(name string) bool { _, err := env.daemon.docker("container", "inspect", name); return err == nil }

	if out := anonOpen.must(t, "exec", running, "sh", "-c", "echo $SECRET"); !strings.Contains(out, secret) {
		t.Fatalf("baseline: exec without identity and ownership: %s", out)
	}
	tn.aliceC.must(t, "create", "--name", stopped, "--network", "none", "busybox:local", "true")
	anonOpen.must(t, "container", "prune", "-f")
	if exists(stopped) {
		t.Fatal("baseline: a prune without ownership left alice's stopped container")
	}

	out, err := anonOwn.run(t, "exec", running, "true")
	refusedOwn(t, "exec without identity into alice's container", out, err)
	tn.aliceC.must(t, "create", "--name", stopped, "--network", "none", "busybox:local", "true")
	anonOwn.must(t, "container", "prune", "-f")
	if !exists(stopped) {
		t.Error("a prune without identity removed alice's stopped container")
	}
	if out := anonOwn.must(t, "ps", "-a", "--format", "{{.Names}}"); strings.Contains(out, running) || !strings.Contains(out, daemonMade) {
		t.Errorf("ps without identity:\n%s", out)
	}
	anonOwn.must(t, "exec", daemonMade, "true")
	mine := uniq("anon-mine")
	removeContainers(t, mine)
	anonOwn.must(t, "create", "--name", mine, "--network", "none", "busybox:local", "true")
	if got, _ := env.daemon.docker("inspect", "--format", "{{json .Config.Labels}}", mine); strings.Contains(got, ownerKey) {
		t.Errorf("a container made without identity is labelled %s", got)
	}
	if out, err := tn.aliceC.run(t, "rm", mine); err == nil || !strings.Contains(out, "no owner") {
		t.Errorf("alice removed a container made without identity: %v %s", err, out)
	}
}
