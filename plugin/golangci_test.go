package plugin_test

// TestGolangciLint builds golangci-lint with this plugin from the wrapper
// module in testdata/golangci, offline, and runs it on the demo module.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// want is one issue golangci-lint must report on testdata/demo: the
// analyzer's name and the start of its message, at an exact position.
type want struct {
	file      string
	line, col int
	text      string
}

var demoIssues = []want{
	{"cmd/blogproxy/main.go", 25, 3, "writetimeout: ReadTimeout (5s) cuts streamed request bodies of proxy (httputil.ReverseProxy, main.go:15): "},
	{"cmd/blogproxy/main.go", 26, 3, "writetimeout: WriteTimeout (10s) cuts streaming responses of proxy (httputil.ReverseProxy, main.go:15): "},
	{"cmd/chigate/main.go", 21, 12, "abortrecover: recover in the function deferred by the handler closure in recoverer swallows http.ErrAbortHandler: "},
	// The router is built in package api: the finding needs its facts.
	{"cmd/gateway/main.go", 29, 2, "writetimeout: WriteTimeout (*writeTimeout) cuts streaming responses of api.NewRouter(target) (httputil.ReverseProxy, api.go:18): "},
	{"cmd/mirror/main.go", 26, 3, "proxygoroutine: the goroutine started by wg.Go serves upstream.ServeHTTP (httputil.ReverseProxy, main.go:19): "},
	{"cmd/notify/main.go", 16, 28, "timeouthandler: http.TimeoutHandler buffers the whole response of events.Handler(time.Second) (a Flush loop, events.go:23) "},
	{"cmd/registrygate/main.go", 25, 7, "abortrecover: gin.Default installs recovery middleware that recovers panics without re-panicking http.ErrAbortHandler, "},
	{"cmd/ticker/main.go", 28, 3, "writetimeout: WriteTimeout (1m0s) cuts streaming responses of mux (a Flush loop, events.go:23): "},
	{"cmd/uploadproxy/main.go", 22, 21, "ctxdetach: context.Background() detaches the request served to backend (httputil.ReverseProxy, main.go:18): "},
}

const golangciConfig = `version: "2"
linters:
  default: none
  enable:
    - streamvet
  settings:
    custom:
      streamvet:
        type: module
        description: net/http streaming bugs
        settings: SETTINGS
`

// crashed matches the start of a Go crash report.
var crashed = regexp.MustCompile(`(?m)^(panic: |goroutine \d+ \[)`)

// issue is the part of golangci-lint's JSON output the test reads.
type issue struct {
	FromLinter string
	Text       string
	Pos        struct {
		Filename     string
		Line, Column int
	}
	SuggestedFixes []json.RawMessage
}

func TestGolangciLint(t *testing.T) {
	if testing.Short() {
		t.Skip("builds golangci-lint (about 1.5 minutes with a cold build cache)")
	}
	goCmd, err := exec.LookPath("go")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the go command is required: %v", err)
		}
		t.Skipf("the go command is not in PATH (install Go 1.26 from https://go.dev/dl/): %v", err)
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	env := append(os.Environ(), "GOWORK=off", "GOFLAGS=-buildvcs=false", "GOPROXY=off",
		"GOLANGCI_LINT_CACHE="+filepath.Join(tmp, "lintcache"))
	run := func(dir, name string, args ...string) (int, string, string) {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Dir, cmd.Env = dir, env
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		if _, ok := errors.AsType[*exec.ExitError](err); err != nil && !ok {
			t.Fatalf("%s %v: %v", name, args, err)
		}
		if crashed.MatchString(stderr.String()) {
			t.Fatalf("%s %v panicked:\n%s", name, args, stderr.String())
		}
		return cmd.ProcessState.ExitCode(), stdout.String(), stderr.String()
	}

	// The wrapper module, pointed at this checkout. Its go.sum is the
	// pinned one plus this module's own, so that requirements added here
	// since the wrapper was last tidied still verify offline.
	wrapper := filepath.Join(tmp, "golangci")
	if err := os.CopyFS(wrapper, os.DirFS(filepath.Join(root, "testdata", "golangci"))); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := run(wrapper, goCmd, "mod", "edit", "-replace=github.com/streamvet/streamvet="+root); code != 0 {
		t.Fatalf("go mod edit: %s", stderr)
	}
	mergeSums(t, filepath.Join(wrapper, "go.sum"), filepath.Join(root, "go.sum"))
	if code, _, _ := run(wrapper, goCmd, "list", "-deps", "."); code != 0 {
		// A fresh module cache: download what golangci-lint needs, with
		// the user's module proxy settings (the build itself stays
		// offline). This takes a minute or two, once.
		t.Logf("downloading the modules of golangci-lint %s (once per module cache)", golangciVersion(t, wrapper))
		download := exec.Command(goCmd, "mod", "download")
		download.Dir = wrapper
		download.Env = append(os.Environ(), "GOWORK=off")
		out, derr := download.CombinedOutput()
		if code, _, stderr := run(wrapper, goCmd, "list", "-deps", "."); code != 0 {
			msg := fmt.Sprintf("cannot test the golangci-lint plugin: the modules golangci-lint needs are not in the module cache, "+
				"and downloading them failed (%v):\n%s\n%s\nWith access to the module proxy run: bash .ci/setup (or: cd testdata/golangci && go mod download)", derr, out, stderr)
			if os.Getenv("CI") == "true" {
				t.Fatal(msg)
			}
			t.Skip(msg)
		}
	}
	bin := filepath.Join(tmp, "golangci-lint")
	start := time.Now()
	if code, _, stderr := run(wrapper, goCmd, "build", "-o", bin, "."); code != 0 {
		t.Fatalf("building golangci-lint with the plugin:\n%s", stderr)
	}
	t.Logf("built golangci-lint with the streamvet plugin in %v", time.Since(start).Round(time.Millisecond))

	// lint copies the demo, writes the configuration with the plugin
	// settings given in YAML flow style, and runs golangci-lint.
	lint := func(t *testing.T, settings string, args ...string) (dir string, code int, issues []issue, stderr string) {
		t.Helper()
		dir = filepath.Join(t.TempDir(), "demo")
		if err := os.CopyFS(dir, os.DirFS(filepath.Join(root, "testdata", "demo"))); err != nil {
			t.Fatal(err)
		}
		config := strings.Replace(golangciConfig, "SETTINGS", settings, 1)
		if err := os.WriteFile(filepath.Join(dir, ".golangci.yml"), []byte(config), 0o644); err != nil {
			t.Fatal(err)
		}
		args = append([]string{"run", "--output.json.path=stdout", "--output.text.path=stderr", "--show-stats=false"}, args...)
		code, stdout, stderr := run(dir, bin, append(args, "./...")...)
		if strings.TrimSpace(stdout) != "" {
			var report struct{ Issues []issue }
			if err := json.NewDecoder(strings.NewReader(stdout)).Decode(&report); err != nil {
				t.Fatalf("golangci-lint JSON output: %v\n%s", err, stdout)
			}
			issues = report.Issues
		}
		return dir, code, issues, stderr
	}

	t.Run("report", func(t *testing.T) {
		_, code, issues, stderr := lint(t, "{}")
		if code != 1 {
			t.Errorf("exit code %d, want 1 (issues found)\n%s", code, stderr)
		}
		var got []want
		for _, is := range issues {
			if is.FromLinter != "streamvet" {
				t.Errorf("issue from linter %q, want streamvet: %s", is.FromLinter, is.Text)
			}
			if strings.Contains(is.Text, "(related information)") {
				continue // golangci-lint shows Diagnostic.Related as issues of their own
			}
			if len(is.SuggestedFixes) == 0 {
				t.Errorf("%s:%d: no suggested fix", is.Pos.Filename, is.Pos.Line)
			}
			got = append(got, want{filepath.ToSlash(is.Pos.Filename), is.Pos.Line, is.Pos.Column, is.Text})
		}
		slices.SortFunc(got, func(a, b want) int { return strings.Compare(a.file+a.text, b.file+b.text) })
		ok := len(got) == len(demoIssues)
		for i := 0; ok && i < len(got); i++ {
			w := demoIssues[i]
			ok = got[i].file == w.file && got[i].line == w.line && got[i].col == w.col && strings.HasPrefix(got[i].text, w.text)
		}
		if !ok {
			t.Errorf("issues:\n%v\nwant:\n%v\nstderr:\n%s", got, demoIssues, stderr)
		}
		if !slices.ContainsFunc(issues, func(is issue) bool {
			return is.Pos.Filename == "cmd/gateway/main.go" && is.Pos.Line == 26 && strings.HasSuffix(is.Text, "(related information): returned by NewRouter")
		}) {
			t.Errorf("no related information at api.NewRouter(target): %v", issues)
		}
	})

	t.Run("fix", func(t *testing.T) {
		dir, code, issues, stderr := lint(t, "{}", "--fix")
		// golangci-lint drops the issues it fixed and still prints the
		// rest, among them the related information of the fixed
		// diagnostics (it has no fix of its own), so the exit code is 1.
		for _, is := range issues {
			if !strings.Contains(is.Text, "(related information)") {
				t.Errorf("--fix left %s:%d: %s", is.Pos.Filename, is.Pos.Line, is.Text)
			}
		}
		if code != 1 || len(issues) == 0 {
			t.Errorf("--fix: exit code %d with %d issues of related information, want 1 and some\n%s", code, len(issues), stderr)
		}
		if code, _, stderr := run(dir, goCmd, "build", "./..."); code != 0 {
			t.Fatalf("the fixed demo does not build:\n%s", stderr)
		}
		fixed, err := os.ReadFile(filepath.Join(dir, "cmd", "blogproxy", "main.go"))
		if err != nil {
			t.Fatal(err)
		}
		// Both fixes of one server literal apply: ReadTimeout and
		// WriteTimeout each give way to a safer field.
		for _, s := range []string{"ReadHeaderTimeout: 5 * time.Second", "IdleTimeout: 5 * time.Second"} {
			if !strings.Contains(string(fixed), s) {
				t.Errorf("fixed blogproxy lacks %q:\n%s", s, fixed)
			}
		}
		if bytes.Contains(fixed, []byte("WriteTimeout")) {
			t.Errorf("fixed blogproxy keeps WriteTimeout:\n%s", fixed)
		}
		code, stdout, stderr := run(dir, bin, "run", "--output.json.path=stdout", "--show-stats=false", "./...")
		if code != 0 || strings.Contains(stdout, `"FromLinter":"streamvet"`) {
			t.Errorf("after --fix: exit code %d\n%s\n%s", code, stdout, stderr)
		}
	})

	t.Run("disable", func(t *testing.T) {
		_, code, issues, stderr := lint(t, "{disable: [writetimeout, abortrecover, ctxdetach, proxygoroutine, timeouthandler]}")
		if code != 0 || len(issues) != 0 {
			t.Errorf("with every reporting check disabled: exit code %d, issues %v\n%s", code, issues, stderr)
		}
		_, code, issues, stderr = lint(t, "{enable: [ctxdetach]}")
		for _, is := range issues {
			if !strings.HasPrefix(is.Text, "ctxdetach") {
				t.Errorf("with only ctxdetach enabled: %s", is.Text)
			}
		}
		if code != 1 || len(issues) == 0 {
			t.Errorf("with only ctxdetach enabled: exit code %d, %d issues\n%s", code, len(issues), stderr)
		}
	})

	t.Run("bad setting", func(t *testing.T) {
		_, code, _, stderr := lint(t, "{disabled: [writetimeout]}")
		if code == 0 || !strings.Contains(stderr, `streamvet: unknown setting "disabled"`) {
			t.Errorf("exit code %d, stderr:\n%s", code, stderr)
		}
	})
}

// golangciVersion returns the golangci-lint version the wrapper requires.
func golangciVersion(t *testing.T, wrapper string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(wrapper, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`github.com/golangci/golangci-lint/v2 (v\S+)`).FindSubmatch(data)
	if m == nil {
		return "(unknown version)"
	}
	return string(m[1])
}

// mergeSums appends to the go.sum file dst the lines of src it lacks.
func mergeSums(t *testing.T, dst, src string) {
	t.Helper()
	have := make(map[string]bool)
	data, err := os.ReadFile(dst)
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(data)) {
		have[strings.TrimSpace(line)] = true
	}
	f, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := bytes.NewBuffer(data)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" && !have[line] {
			out.WriteString(line + "\n")
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}
