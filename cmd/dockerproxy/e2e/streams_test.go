package e2e

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// lineReader collects the lines of a running command's stdout.
type lineReader struct {
	mu    sync.Mutex
	lines []string
}

func (l *lineReader) has(s string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, x := range l.lines {
		if strings.Contains(x, s) {
			return true
		}
	}
	return false
}

func (l *lineReader) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// startStream runs a long docker command and returns its growing output.
func startStream(t *testing.T, c *cli, args ...string) (*lineReader, func() bool) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := c.cmd(ctx, args...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var errb syncBuffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lr := &lineReader{}
	exited := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lr.mu.Lock()
			lr.lines = append(lr.lines, sc.Text())
			lr.mu.Unlock()
		}
		_ = cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() { cancel(); <-exited })
	running := func() bool {
		select {
		case <-exited:
			t.Logf("docker %s exited; stderr: %s", strings.Join(args, " "), errb.String())
			return false
		default:
			return true
		}
	}
	return lr, running
}

// TestIdleStreamsOutliveLimits: with every inactivity limit at 1 s, docker
// events and docker logs -f stay connected through silences of 2.5 s, for
// more than twice every limit, and keep delivering.
func TestIdleStreamsOutliveLimits(t *testing.T) {
	need(t)
	const limit = time.Second
	p := startProxy(t, env.daemon, noOwnership, "-idle-short", "1s", "-idle-progress", "1s", "-idle-bulk", "1s", "-idle-stream", "1s")
	c := tlsCLI(t, p.addr)
	direct := plainCLI(t, "unix://"+env.daemon.sock)

	name := fmt.Sprintf("ticker%d", time.Now().UnixNano())
	direct.must(t, "run", "-d", "--network", "none", "--name", name, "busybox:local",
		"sh", "-c", "i=0; while true; do i=$((i+1)); echo tick$i; sleep 2.5; done")
	defer direct.run(t, "rm", "-f", name)

	events, eventsUp := startStream(t, c, "events", "--format", "{{.Action}} {{.Actor.Attributes.name}}", "--filter", "type=image")
	logs, logsUp := startStream(t, c, "logs", "-f", name)
	p.waitActive(t, "idle", 2, 200*time.Millisecond) // events and logs -f are connected
	start := time.Now()

	var tags []string
	for i := 1; i <= 3; i++ {
		tag := fmt.Sprintf("e2e/evt%d:%d", i, start.UnixNano())
		direct.must(t, "tag", "busybox:local", tag)
		tags = append(tags, tag)
		defer direct.run(t, "rmi", tag)
		if i < 3 {
			time.Sleep(2500 * time.Millisecond) // silence longer than twice the limit
		}
	}
	for _, tag := range tags {
		if !waitFor(5*time.Second, func() bool { return events.has("tag " + tag) }) {
			t.Errorf("event for tag %s did not arrive; events so far:\n%s", tag, events.String())
		}
	}
	if !waitFor(5*time.Second, func() bool { return logs.has("tick3") }) {
		t.Errorf("logs -f stopped delivering; lines so far:\n%s", logs.String())
	}
	elapsed := time.Since(start)
	if elapsed < 2*limit+2*time.Second {
		t.Fatalf("test ran only %v", elapsed)
	}
	if !eventsUp() {
		t.Errorf("docker events ended after %v", elapsed)
	}
	if !logsUp() {
		t.Errorf("docker logs -f ended after %v", elapsed)
	}
	t.Logf("events and logs -f connected for %v with 1 s limits; events:\n%s", elapsed.Round(time.Millisecond), events.String())
	if lines := logLines(p.log.String(), "request aborted"); len(lines) > 0 {
		t.Errorf("proxy aborted requests:\n%s", strings.Join(lines, "\n"))
	}
}

// TestStatsStream: docker stats streams once a second through the proxy
// with every limit at 1 s, for longer than twice the limit.
func TestStatsStream(t *testing.T) {
	need(t)
	p := startProxy(t, env.daemon, noOwnership, "-idle-short", "1s", "-idle-progress", "1s", "-idle-bulk", "1s", "-idle-stream", "1s")
	c := tlsCLI(t, p.addr)
	direct := plainCLI(t, "unix://"+env.daemon.sock)
	name := fmt.Sprintf("stats%d", time.Now().UnixNano())
	direct.must(t, "run", "-d", "--network", "none", "--name", name, "busybox:local", "sleep", "300")
	defer direct.run(t, "rm", "-f", name)
	stats, up := startStream(t, c, "stats", "--format", "sample {{.Name}} {{.MemUsage}}", name)
	p.waitActive(t, "idle", 1, 0)
	time.Sleep(3500 * time.Millisecond)
	if !up() {
		t.Fatalf("docker stats ended")
	}
	if n := strings.Count(stats.String(), "sample "+name); n < 3 {
		t.Errorf("docker stats delivered %d samples in 3.5 s:\n%s", n, stats.String())
	}
}

// TestCopyAndExport: docker cp both ways (archive PUT and GET) and docker
// export through the proxy.
func TestCopyAndExport(t *testing.T) {
	need(t)
	p := startProxy(t, env.daemon, "-idle-bulk", "3s")
	c := tlsCLI(t, p.addr)
	name := fmt.Sprintf("cp%d", time.Now().UnixNano())
	c.must(t, "create", "--network", "none", "--name", name, "busybox:local", "true")
	defer c.run(t, "rm", "-f", name)
	dir := t.TempDir()
	src := filepath.Join(dir, "in.bin")
	if err := writeRandom(src, 20<<20); err != nil {
		t.Fatal(err)
	}
	c.must(t, "cp", src, name+":/in.bin")
	dst := filepath.Join(dir, "out.bin")
	c.must(t, "cp", name+":/in.bin", dst)
	a, _ := os.ReadFile(src)
	b, _ := os.ReadFile(dst)
	if !bytes.Equal(a, b) {
		t.Errorf("docker cp round trip changed the file (%d -> %d bytes)", len(a), len(b))
	}
	tarFile := filepath.Join(dir, "export.tar")
	c.must(t, "export", "-o", tarFile, name)
	if fi, err := os.Stat(tarFile); err != nil || fi.Size() < 20<<20 {
		t.Errorf("export: %v", err)
	}
}

// TestInteractiveAndExec: docker run -i with stdin (the upgrade's
// half-close lets cat see EOF), docker exec, and exec -i.
func TestInteractiveAndExec(t *testing.T) {
	need(t)
	p := startProxy(t, env.daemon)
	c := tlsCLI(t, p.addr)

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	run := c.cmd(ctx, "run", "-i", "--rm", "--network", "none", "busybox:local", "cat")
	run.Stdin = strings.NewReader("hi\n")
	out, err := run.CombinedOutput()
	if err != nil || string(out) != "hi\n" {
		t.Fatalf("echo hi | docker run -i cat: %v, output %q", err, out)
	}

	// One MiB through stdin and back through wc.
	big := strings.Repeat("0123456789abcdef", 1<<16)
	run = c.cmd(ctx, "run", "-i", "--rm", "--network", "none", "busybox:local", "wc", "-c")
	run.Stdin = strings.NewReader(big)
	out, err = run.CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != fmt.Sprint(len(big)) {
		t.Fatalf("1 MiB | docker run -i wc -c: %v, output %q", err, out)
	}
	// The upgraded attach stream's bytes count in the metrics.
	if !waitFor(5*time.Second, func() bool { return p.metric(t, `dockerproxy_body_bytes_total{direction="in"}`) >= float64(len(big)) }) {
		t.Errorf("bytes in = %v after 1 MiB through an attach stream", p.metric(t, `dockerproxy_body_bytes_total{direction="in"}`))
	}

	name := fmt.Sprintf("exec%d", time.Now().UnixNano())
	c.must(t, "run", "-d", "--network", "none", "--name", name, "busybox:local", "sleep", "300")
	defer c.run(t, "rm", "-f", name)
	if got := c.must(t, "exec", name, "echo", "hello from exec"); got != "hello from exec\n" {
		t.Errorf("docker exec output %q", got)
	}
	ex := c.cmd(ctx, "exec", "-i", name, "sh", "-c", "tr a-z A-Z")
	ex.Stdin = strings.NewReader("shout\n")
	out, err = ex.CombinedOutput()
	if err != nil || string(out) != "SHOUT\n" {
		t.Fatalf("docker exec -i: %v, output %q", err, out)
	}
}

// TestBuildSaveLoad: a build with a 200 MB context and a 400 MB save,
// then load, through the proxy, timed against the direct socket.
func TestBuildSaveLoad(t *testing.T) {
	need(t)
	p := startProxy(t, env.daemon, "-idle-bulk", "3s", "-idle-progress", "3s")
	c := tlsCLI(t, p.addr)
	direct := plainCLI(t, "unix://"+env.daemon.sock)

	ctxDir := t.TempDir()
	if err := writeRandom(filepath.Join(ctxDir, "ctx.bin"), buildSize); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(ctxDir, "Dockerfile"), []byte("FROM busybox:local\nCOPY ctx.bin /\nRUN wc -c /ctx.bin\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tag := fmt.Sprintf("e2e/build:%d", time.Now().UnixNano())
	took, out, err := c.timed(t, "build", "-t", tag, ctxDir)
	if err != nil {
		t.Fatalf("docker build through dockerproxy: %v\n%s", err, tail(out, 2000))
	}
	defer direct.run(t, "rmi", tag)
	if !strings.Contains(out, fmt.Sprint(buildSize)) {
		t.Errorf("build output lacks the context size %d:\n%s", buildSize, tail(out, 2000))
	}
	t.Logf("build with a 200 MB context through dockerproxy: %v", took.Round(time.Millisecond))

	// Save to a file, then load it: piped, the load's request body waits
	// for dockerd to prepare the save (2–4 s measured on a loaded machine
	// with no proxy at all), and the 3 s bulk limit rightly cuts a body
	// that makes no progress that long.
	tarball := filepath.Join(t.TempDir(), "image.tar")
	saveLoad := func(cl *cli) (time.Duration, string, error) {
		start := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "bash", "-c", "docker save -o "+tarball+" "+bigImage+" && docker load -i "+tarball)
		cmd.Env = append(os.Environ(), cl.env...)
		out, err := cmd.CombinedOutput()
		return time.Since(start), string(out), err
	}
	dTook, out, err := saveLoad(direct)
	if err != nil {
		t.Fatalf("direct save, load: %v\n%s", err, out)
	}
	pTook, out, err := saveLoad(c)
	if err != nil {
		t.Fatalf("save, load through dockerproxy: %v\n%s", err, out)
	}
	if !strings.Contains(out, "Loaded image: "+bigImage) {
		t.Errorf("load output: %q", out)
	}
	t.Logf("save, load 400 MB: direct %v, through dockerproxy %v (ratio %.2f)", dTook.Round(time.Millisecond), pTook.Round(time.Millisecond), dTook.Seconds()/pTook.Seconds())
	if lines := logLines(p.log.String(), "request aborted"); len(lines) > 0 {
		t.Errorf("proxy aborted requests:\n%s", strings.Join(lines, "\n"))
	}
}
