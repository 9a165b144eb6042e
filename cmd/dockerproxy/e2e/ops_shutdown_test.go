package e2e

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestShutdownLogsEveryCut: at shutdown every request the proxy cuts is
// logged with reason=stopped: an idle stream (docker wait), an upload in
// progress (docker load of a tar still arriving) and a hijacked attach
// session, so that an operator can tell what a restart interrupted.
func TestShutdownLogsEveryCut(t *testing.T) {
	need(t)
	p := startProxy(t, env.daemon, noOwnership, "-grace", "1s")
	c := tlsCLI(t, p.addr)
	id := runSleeper(t)

	// docker wait: an idle-class stream, cut when shutdown starts.
	// Each command is killed before it is waited for, so that a failure
	// part-way cannot leave the test waiting on it.
	waitCtx, cancelWait := context.WithCancel(context.Background())
	wait := c.cmd(waitCtx, "wait", id)
	if err := wait.Start(); err != nil {
		cancelWait()
		t.Fatal(err)
	}
	defer func() { cancelWait(); _ = wait.Wait() }()

	// An upload that keeps arriving: dockerd reads a load to its end
	// before it answers.
	pr, pw := io.Pipe()
	defer pw.Close()
	go func() {
		chunk := make([]byte, 1024)
		for {
			if _, err := pw.Write(chunk); err != nil {
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	tr := &http.Transport{TLSClientConfig: clientTLS(t, true)}
	defer tr.CloseIdleConnections()
	req, _ := http.NewRequest("POST", "https://"+p.addr+"/v1.41/images/load", pr)
	req.Header.Set("Content-Type", "application/x-tar")
	loadDone := make(chan error, 1)
	go func() {
		res, err := tr.RoundTrip(req)
		if err == nil {
			_, err = io.Copy(io.Discard, res.Body)
			res.Body.Close()
		}
		loadDone <- err
	}()

	// An attach session whose stdin stays open.
	sessCtx, cancelSess := context.WithCancel(context.Background())
	defer cancelSess()
	session := c.cmd(sessCtx, "run", "-i", "--rm", "--network", "none", "busybox:local", "cat")
	stdin, err := session.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var sessOut syncBuffer
	session.Stdout = &sessOut
	if err := session.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { stdin.Close(); cancelSess(); _ = session.Wait() }()
	fmt.Fprintln(stdin, "hello")
	if !waitFor(10*time.Second, func() bool { return strings.Contains(sessOut.String(), "hello") }) {
		t.Fatal("attach session did not echo")
	}
	p.waitActive(t, "upgrade", 1, 0)
	p.waitActive(t, "bulk", 1, 0)
	p.waitActive(t, "idle", 2, 0) // docker wait, and docker run's own

	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(6 * time.Second):
		t.Fatal("proxy did not exit")
	}
	if err := <-loadDone; err == nil {
		t.Error("the cut upload ended without an error")
	}
	log := p.log.String()
	for path, n := range map[string]int{"/wait": 2, "/images/load": 1, "/attach": 1} {
		if l := logLines(log, "request aborted", path, "reason=stopped"); len(l) != n {
			t.Errorf("want %d records of %s cut with reason=stopped, got %d:\n%s", n, path, len(l), log)
		}
	}
}
