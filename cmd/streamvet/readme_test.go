package main_test

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestREADMEFirstCommand runs the README's first command, as written, in
// a copy of the repository: it builds streamvet, prints a finding of every
// check on the demo, then the fixes as a patch.
func TestREADMEFirstCommand(t *testing.T) {
	t.Parallel()
	requireGo(t)
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(readme), "\n# Run the checks on the bundled example")
	if !ok {
		t.Fatal("README has no '# Run the checks on the bundled example' line")
	}
	lines := strings.SplitN(after, "\n", 3)
	if len(lines) < 2 || !strings.Contains(lines[1], "streamvet") {
		t.Fatalf("no command after the comment: %q", after)
	}
	command := lines[1]

	repo := filepath.Join(t.TempDir(), "streamvet")
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() && (rel == ".git" || rel == "bin") {
			return filepath.SkipDir
		}
		if !d.Type().IsRegular() || rel == "streamvet" {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		dst := filepath.Join(repo, rel)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		return os.WriteFile(dst, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	// As a user's interactive shell runs it: no -e, so the findings' exit
	// status 3 does not stop the line.
	cmd := exec.Command("bash", "-c", command)
	cmd.Dir, cmd.Env = repo, os.Environ()
	outb, err := cmd.CombinedOutput()
	out, code := string(outb), cmd.ProcessState.ExitCode()
	if _, isExit := err.(*exec.ExitError); err != nil && !isExit {
		t.Fatal(err)
	}
	if code != 0 {
		t.Fatalf("%s: exit code %d\n%s", command, code, out)
	}
	for _, want := range []string{
		"writetimeout: WriteTimeout (10s) cuts streaming responses of proxy",
		"abortrecover: gin.Default installs recovery middleware",
		"abortrecover: recover in the function deferred by the handler closure in recoverer",
		"ctxdetach: context.Background() detaches the request",
		"proxygoroutine: the goroutine started by wg.Go serves",
		"timeouthandler: http.TimeoutHandler buffers the whole response",
		"--- a/cmd/blogproxy/main.go",
		"+\tr := gin.New()",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the README's first command printed no %q:\n%s", want, out)
		}
	}
}
