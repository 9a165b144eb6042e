package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestQuickStart runs the quick start of cmd/dockerproxy/README.md line by
// line, as written there, against the test daemon: the daemon's socket and
// the two ports are the only words changed (the test's daemon and free
// ports), and the go build line is the binary the harness built the same
// way. A line that ends in & is started in the background and waited for,
// as a user waits for the prompt.
func TestQuickStart(t *testing.T) {
	need(t)
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(readme), "## Quick start\n")
	if !ok {
		t.Fatal("README.md has no Quick start section")
	}
	_, block, ok := strings.Cut(after, "```sh\n")
	block, _, ok2 := strings.Cut(block, "```")
	if !ok || !ok2 {
		t.Fatal("the Quick start section has no sh block")
	}
	api, admin := freeAddr(t), freeAddr(t)
	replacer := strings.NewReplacer(
		"unix:///var/run/docker.sock", "unix://"+env.daemon.sock,
		"127.0.0.1:2376", api,
		"127.0.0.1:9324", admin,
	)
	dir := t.TempDir()
	if err := os.Symlink(env.proxyBin, filepath.Join(dir, "dockerproxy")); err != nil {
		t.Fatal(err)
	}
	var ran []string
	for _, line := range strings.Split(strings.TrimSpace(block), "\n") {
		cmdline, _, _ := strings.Cut(line, " # ")
		cmdline = strings.TrimSpace(cmdline)
		if strings.HasPrefix(cmdline, "go build ") {
			ran = append(ran, cmdline+" (the harness's build)")
			continue
		}
		cmdline = replacer.Replace(cmdline)
		ran = append(ran, cmdline)
		if bg, ok := strings.CutSuffix(cmdline, "&"); ok {
			log := &syncBuffer{}
			c := exec.Command("bash", "-c", "exec "+bg)
			c.Dir, c.Stdout, c.Stderr = dir, log, log
			c.Env = append(os.Environ(), "DOCKER_CONFIG="+filepath.Join(dir, "cli"))
			if err := c.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan struct{})
			go func() { _ = c.Wait(); close(done) }()
			t.Cleanup(func() { _ = c.Process.Kill(); <-done })
			if !waitFor(10*time.Second, func() bool { return strings.Contains(log.String(), "msg=listening ") }) {
				t.Fatalf("%s: no listening record:\n%s", bg, log.String())
			}
			continue
		}
		c := exec.Command("bash", "-c", cmdline)
		c.Dir = dir
		c.Env = append(os.Environ(), "DOCKER_CONFIG="+filepath.Join(dir, "cli"))
		out, err := c.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s\nran:\n%s", cmdline, err, out, strings.Join(ran, "\n"))
		}
		switch {
		case strings.Contains(cmdline, "gen-certs") && !strings.Contains(string(out), "DOCKER_HOST=tcp://"):
			t.Errorf("gen-certs does not print DOCKER_HOST:\n%s", out)
		case strings.Contains(cmdline, "docker info") && !strings.Contains(string(out), "Server Version"):
			t.Errorf("docker info through the proxy:\n%s", out)
		case strings.Contains(cmdline, "/healthz") && strings.TrimSpace(string(out)) != "ok":
			t.Errorf("healthz: %q", out)
		}
	}
	if len(ran) < 5 {
		t.Errorf("the quick start ran %d lines:\n%s", len(ran), strings.Join(ran, "\n"))
	}
}
