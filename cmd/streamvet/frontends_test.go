package main_test

// These tests build the streamvet command and run the real go command on a
// copy of the demo module (testdata/demo) through every front end: go vet
// -vettool, go vet -fix/-diff, go fix -fixtool and the standalone command.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"golang.org/x/tools/go/analysis"

	"github.com/streamvet/streamvet/analyzer"
)

// finding is one diagnostic, with its file relative to the module root,
// and the check that reported it where the output names it (go vet's text
// output does not).
type finding struct {
	File      string
	Line, Col int
	Check     string
	Message   string
}

func (f finding) String() string {
	if f.Check == "" {
		return fmt.Sprintf("%s:%d:%d: %s", f.File, f.Line, f.Col, f.Message)
	}
	return fmt.Sprintf("%s:%d:%d: %s: %s", f.File, f.Line, f.Col, f.Check, f.Message)
}

// unnamed returns the findings without the names of their checks, for
// comparing outputs that name them with go vet's, which does not.
func unnamed(list []finding) []finding {
	out := slices.Clone(list)
	for i := range out {
		out[i].Check = ""
	}
	return out
}

// demoFindings are the findings on testdata/demo, by position and the
// start of the message (up to the handler it names and where that
// handler streams). The rest of each message is the check's own to word.
var demoFindings = []finding{
	{"cmd/blogproxy/main.go", 25, 3, "writetimeout", "ReadTimeout (5s) cuts streamed request bodies of proxy (httputil.ReverseProxy, main.go:15)"},
	{"cmd/blogproxy/main.go", 26, 3, "writetimeout", "WriteTimeout (10s) cuts streaming responses of proxy (httputil.ReverseProxy, main.go:15)"},
	{"cmd/chigate/main.go", 21, 12, "abortrecover", "recover in the function deferred by the handler closure in recoverer swallows http.ErrAbortHandler"},
	{"cmd/gateway/main.go", 29, 2, "writetimeout", "WriteTimeout (*writeTimeout) cuts streaming responses of api.NewRouter(target) (httputil.ReverseProxy, api.go:18)"},
	{"cmd/mirror/main.go", 26, 3, "proxygoroutine", "the goroutine started by wg.Go serves upstream.ServeHTTP (httputil.ReverseProxy, main.go:19)"},
	{"cmd/notify/main.go", 16, 28, "timeouthandler", "http.TimeoutHandler buffers the whole response of events.Handler(time.Second) (a Flush loop, events.go:23) and drops a stream longer than 30s for a 503"},
	{"cmd/registrygate/main.go", 25, 7, "abortrecover", "gin.Default installs recovery middleware that recovers panics without re-panicking http.ErrAbortHandler, so installing it on r, which routes to a stream (httputil.ReverseProxy, main.go:23), swallows its aborts"},
	{"cmd/ticker/main.go", 28, 3, "writetimeout", "WriteTimeout (1m0s) cuts streaming responses of mux (a Flush loop, events.go:23)"},
	{"cmd/uploadproxy/main.go", 22, 21, "ctxdetach", "context.Background() detaches the request served to backend (httputil.ReverseProxy, main.go:18)"},
}

// fixedFiles are the demo files that applying the fixes changes.
var fixedFiles = []string{
	"cmd/blogproxy/main.go", "cmd/chigate/main.go", "cmd/gateway/main.go", "cmd/mirror/main.go",
	"cmd/notify/main.go", "cmd/registrygate/main.go", "cmd/ticker/main.go", "cmd/uploadproxy/main.go",
}

var (
	buildOnce sync.Once
	binDir    string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// requireGo returns the go command, or skips (fails under CI=true) when
// it is not installed.
func requireGo(t *testing.T) string {
	t.Helper()
	goCmd, err := exec.LookPath("go")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the go command is required: %v", err)
		}
		t.Skipf("the go command is not in PATH (install Go 1.26 from https://go.dev/dl/): %v", err)
	}
	return goCmd
}

// streamvet builds the command once per test run and returns its path.
func streamvet(t *testing.T) string {
	t.Helper()
	goCmd := requireGo(t)
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("", "streamvet-bin-")
		if buildErr != nil {
			return
		}
		cmd := exec.Command(goCmd, "build", "-o", filepath.Join(binDir, "streamvet"), ".")
		cmd.Env = goEnv()
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return filepath.Join(binDir, "streamvet")
}

// goEnv is the environment of every command the tests run: the demo is a
// module of its own, outside any workspace, and needs no downloads.
func goEnv() []string {
	return append(os.Environ(), "GOWORK=off", "GOFLAGS=-buildvcs=false", "GOPROXY=off")
}

// copyDemo copies testdata/demo into a fresh temporary directory.
func copyDemo(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "demo")
	if err := os.CopyFS(dir, os.DirFS(filepath.Join("..", "..", "testdata", "demo"))); err != nil {
		t.Fatal(err)
	}
	return dir
}

// result is what a command did.
type result struct {
	code           int
	stdout, stderr string
}

// crashed matches the start of a Go crash report (an analyzer is named
// proxygoroutine, so a bare "goroutine " would match the usage text).
var crashed = regexp.MustCompile(`(?m)^(panic: |goroutine \d+ \[)`)

// run runs name with args in dir and returns its exit code and output.
func run(t *testing.T, dir, name string, args ...string) result {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = goEnv()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("%s %s: %v", name, strings.Join(args, " "), err)
	}
	r := result{code: cmd.ProcessState.ExitCode(), stdout: stdout.String(), stderr: stderr.String()}
	if crashed.MatchString(r.stderr) {
		t.Fatalf("%s %s panicked:\n%s", name, strings.Join(args, " "), r.stderr)
	}
	return r
}

// expect fails the test unless r exited with code.
func expect(t *testing.T, r result, code int, what string) {
	t.Helper()
	if r.code != code {
		t.Fatalf("%s: exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", what, r.code, code, r.stdout, r.stderr)
	}
}

var textLine = regexp.MustCompile(`^(.+\.go):(\d+):(\d+): (.*)$`)

// parseText reads the findings of go vet or streamvet text output; the
// lines of related information (indented by a tab) are left out.
func parseText(t *testing.T, dir, out string) []finding {
	t.Helper()
	var list []finding
	for line := range strings.Lines(out) {
		m := textLine.FindStringSubmatch(strings.TrimRight(line, "\n"))
		if m == nil || strings.HasPrefix(m[4], "\t") {
			continue
		}
		check, msg := "", m[4]
		if name, rest, ok := strings.Cut(msg, ": "); ok && slices.ContainsFunc(analyzer.Suite, func(a *analysis.Analyzer) bool { return a.Name == name }) {
			check, msg = name, rest
		}
		list = append(list, finding{relFile(t, dir, m[1]), atoi(m[2]), atoi(m[3]), check, msg})
	}
	sortFindings(list)
	return list
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// relFile makes a file name relative to the module root, with slashes.
func relFile(t *testing.T, dir, name string) string {
	t.Helper()
	if filepath.IsAbs(name) {
		rel, err := filepath.Rel(dir, name)
		if err != nil {
			t.Fatal(err)
		}
		name = rel
	}
	return filepath.ToSlash(name)
}

func sortFindings(list []finding) {
	slices.SortFunc(list, func(a, b finding) int {
		return strings.Compare(unnamed([]finding{a})[0].String(), unnamed([]finding{b})[0].String())
	})
}

// checkDemoFindings compares findings with demoFindings by position and
// message start.
func checkDemoFindings(t *testing.T, what string, got []finding) {
	t.Helper()
	ok := len(got) == len(demoFindings)
	for i := 0; ok && i < len(got); i++ {
		w, g := demoFindings[i], got[i]
		ok = g.File == w.File && g.Line == w.Line && g.Col == w.Col && (g.Check == "" || g.Check == w.Check) &&
			(strings.HasPrefix(g.Message, w.Message+": ") || strings.HasPrefix(g.Message, w.Message+"; "))
	}
	if !ok {
		var b strings.Builder
		for _, f := range got {
			fmt.Fprintf(&b, "\t%s\n", f)
		}
		b.WriteString("want:\n")
		for _, f := range demoFindings {
			fmt.Fprintf(&b, "\t%s: ...\n", f)
		}
		t.Errorf("%s found:\n%s", what, b.String())
	}
}

// jsonDiagnostic is the JSON form of a diagnostic that go vet -json and
// streamvet -json print: package ID -> analyzer -> list of these, or an
// {"error": "..."} object in place of the list.
type jsonDiagnostic struct {
	Posn           string `json:"posn"`
	End            string `json:"end"`
	Message        string `json:"message"`
	SuggestedFixes []struct {
		Message string `json:"message"`
		Edits   []struct {
			Filename string `json:"filename"`
			Start    int    `json:"start"`
			End      int    `json:"end"`
			New      string `json:"new"`
		} `json:"edits"`
	} `json:"suggested_fixes"`
	Related []struct {
		Posn    string `json:"posn"`
		Message string `json:"message"`
	} `json:"related"`
}

var posn = regexp.MustCompile(`^(.+\.go):(\d+):(\d+)$`)

// parseJSON reads a stream of JSON trees: go vet prints one object per
// package, the standalone command one object in all. It checks the shape
// of every diagnostic and returns the findings and the analyzers seen.
func parseJSON(t *testing.T, dir, out string) []finding {
	t.Helper()
	var list []finding
	dec := json.NewDecoder(strings.NewReader(out))
	for dec.More() {
		var tree map[string]map[string]json.RawMessage
		if err := dec.Decode(&tree); err != nil {
			t.Fatalf("decoding JSON output: %v\n%s", err, out)
		}
		for pkg, analyzers := range tree {
			for name, raw := range analyzers {
				if !slices.ContainsFunc(analyzer.Suite, func(a *analysis.Analyzer) bool { return a.Name == name }) {
					t.Errorf("JSON output of %s names %q, which is not in analyzer.Suite", pkg, name)
				}
				if bytes.HasPrefix(bytes.TrimSpace(raw), []byte("{")) {
					t.Errorf("%s: %s failed: %s", pkg, name, raw)
					continue
				}
				var diags []jsonDiagnostic
				if err := json.Unmarshal(raw, &diags); err != nil {
					t.Fatalf("%s: %s: %v", pkg, name, err)
				}
				for _, d := range diags {
					m := posn.FindStringSubmatch(d.Posn)
					if m == nil || posn.FindStringSubmatch(d.End) == nil {
						t.Errorf("%s: posn %q, end %q: want file:line:col", pkg, d.Posn, d.End)
						continue
					}
					if len(d.SuggestedFixes) == 0 || len(d.SuggestedFixes[0].Edits) == 0 || d.SuggestedFixes[0].Message == "" {
						t.Errorf("%s: %s: no suggested fix with edits", pkg, d.Posn)
					}
					for _, fix := range d.SuggestedFixes {
						for _, e := range fix.Edits {
							if !filepath.IsAbs(e.Filename) || e.Start > e.End {
								t.Errorf("%s: %s: bad edit %+v", pkg, d.Posn, e)
							}
						}
					}
					if len(d.Related) == 0 {
						t.Errorf("%s: %s: no related information leading to the stream", pkg, d.Posn)
					}
					list = append(list, finding{relFile(t, dir, m[1]), atoi(m[2]), atoi(m[3]), name, d.Message})
				}
			}
		}
	}
	sortFindings(list)
	return list
}

// readFiles returns the content of the named files under dir.
func readFiles(t *testing.T, dir string, names []string) map[string]string {
	t.Helper()
	m := make(map[string]string)
	for _, name := range names {
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
		if err != nil {
			t.Fatal(err)
		}
		m[name] = string(b)
	}
	return m
}

// demoFiles lists the Go files of the module under dir.
func demoFiles(t *testing.T, dir string) []string {
	t.Helper()
	var names []string
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(path, ".go") {
			rel, _ := filepath.Rel(dir, path)
			names = append(names, filepath.ToSlash(rel))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return names
}

// changed lists the files whose content differs between two snapshots.
func changed(before, after map[string]string) []string {
	var list []string
	for name, b := range before {
		if after[name] != b {
			list = append(list, name)
		}
	}
	slices.Sort(list)
	return list
}

// checkFixed asserts that the fixed demo builds and is clean, and that
// the fixes touched exactly fixedFiles.
func checkFixed(t *testing.T, goCmd, sv, dir string, before map[string]string) {
	t.Helper()
	after := readFiles(t, dir, demoFiles(t, dir))
	if got := changed(before, after); !slices.Equal(got, fixedFiles) {
		t.Errorf("fixes changed %q, want %q", got, fixedFiles)
	}
	expect(t, run(t, dir, goCmd, "build", "./..."), 0, "go build after the fixes")
	expect(t, run(t, dir, goCmd, "vet", "./..."), 0, "go vet (default analyzers) after the fixes")
	r := run(t, dir, goCmd, "vet", "-vettool="+sv, "./...")
	expect(t, r, 0, "go vet -vettool after the fixes")
	if got := parseText(t, dir, r.stderr); len(got) > 0 {
		t.Errorf("findings left after the fixes: %v", got)
	}
	if !strings.Contains(after["cmd/blogproxy/main.go"], "ReadHeaderTimeout: 5 * time.Second") {
		t.Errorf("fixed blogproxy keeps no ReadHeaderTimeout:\n%s", after["cmd/blogproxy/main.go"])
	}
}

func TestVet(t *testing.T) {
	t.Parallel()
	goCmd, sv := requireGo(t), streamvet(t)
	dir := copyDemo(t)
	r := run(t, dir, goCmd, "vet", "-vettool="+sv, "./...")
	expect(t, r, 1, "go vet -vettool with findings")
	checkDemoFindings(t, "go vet -vettool", parseText(t, dir, r.stderr))
	// The path from server to stream is shown under each finding.
	if !strings.Contains(r.stderr, "cmd/gateway/main.go:26:22: \treturned by NewRouter") {
		t.Errorf("go vet output lacks the related position of api.NewRouter:\n%s", r.stderr)
	}

	// One package, and a package without findings.
	r = run(t, dir, goCmd, "vet", "-vettool="+sv, "./internal/...")
	expect(t, r, 0, "go vet -vettool on clean packages")
}

func TestVetJSON(t *testing.T) {
	t.Parallel()
	goCmd, sv := requireGo(t), streamvet(t)
	dir := copyDemo(t)
	r := run(t, dir, goCmd, "vet", "-vettool="+sv, "-json", "./...")
	expect(t, r, 0, "go vet -vettool -json (findings do not fail it)")
	checkDemoFindings(t, "go vet -vettool -json", parseJSON(t, dir, r.stdout))
}

func TestVetFix(t *testing.T) {
	t.Parallel()
	goCmd, sv := requireGo(t), streamvet(t)
	dir := copyDemo(t)
	before := readFiles(t, dir, demoFiles(t, dir))
	expect(t, run(t, dir, goCmd, "vet", "-vettool="+sv, "-fix", "./..."), 0, "go vet -vettool -fix")
	checkFixed(t, goCmd, sv, dir, before)
}

func TestVetDiff(t *testing.T) {
	t.Parallel()
	goCmd, sv := requireGo(t), streamvet(t)
	dir := copyDemo(t)
	before := readFiles(t, dir, demoFiles(t, dir))
	r := run(t, dir, goCmd, "vet", "-vettool="+sv, "-fix", "-diff", "./...")
	expect(t, r, 1, "go vet -vettool -fix -diff with a non-empty diff")
	// Under the go command the diff is golang.org/x/tools' (its
	// internal/analysis/driverutil prints "file (old)" headers, which
	// git apply does not take); streamvet -diff prints a/ b/ headers
	// (TestDiffApplies).
	for _, name := range fixedFiles {
		if !strings.Contains(r.stdout, "--- "+filepath.Join(dir, filepath.FromSlash(name))+" (old)") {
			t.Errorf("diff has no hunk for %s:\n%s", name, r.stdout)
		}
	}
	if !strings.Contains(r.stdout, "-\t\tWriteTimeout: 10 * time.Second,") {
		t.Errorf("diff does not remove the blog's WriteTimeout:\n%s", r.stdout)
	}
	if got := changed(before, readFiles(t, dir, demoFiles(t, dir))); len(got) > 0 {
		t.Errorf("-diff wrote %q", got)
	}

	// Once fixed, the diff is empty and the exit code zero.
	expect(t, run(t, dir, goCmd, "vet", "-vettool="+sv, "-fix", "./..."), 0, "go vet -vettool -fix")
	r = run(t, dir, goCmd, "vet", "-vettool="+sv, "-fix", "-diff", "./...")
	expect(t, r, 0, "go vet -vettool -fix -diff with an empty diff")
	if r.stdout != "" {
		t.Errorf("diff after the fixes:\n%s", r.stdout)
	}
}

func TestGoFix(t *testing.T) {
	t.Parallel()
	goCmd, sv := requireGo(t), streamvet(t)
	dir := copyDemo(t)
	before := readFiles(t, dir, demoFiles(t, dir))
	r := run(t, dir, goCmd, "fix", "-fixtool="+sv, "-diff", "./...")
	expect(t, r, 1, "go fix -fixtool -diff with a non-empty diff")
	if !strings.Contains(r.stdout, "+\t\tReadHeaderTimeout: 5 * time.Second,") {
		t.Errorf("go fix -diff does not add ReadHeaderTimeout:\n%s", r.stdout)
	}
	expect(t, run(t, dir, goCmd, "fix", "-fixtool="+sv, "./..."), 0, "go fix -fixtool")
	checkFixed(t, goCmd, sv, dir, before)
}

func TestStandalone(t *testing.T) {
	t.Parallel()
	goCmd, sv := requireGo(t), streamvet(t)
	dir := copyDemo(t)
	before := readFiles(t, dir, demoFiles(t, dir))

	r := run(t, dir, sv, "./...")
	expect(t, r, 3, "streamvet with findings")
	text := parseText(t, dir, r.stderr)
	checkDemoFindings(t, "streamvet", text)
	for _, f := range text {
		if f.Check == "" {
			t.Errorf("streamvet does not name the check of %s", f)
		}
	}

	r = run(t, dir, sv, "-json", "./...")
	expect(t, r, 0, "streamvet -json (findings do not fail it)")
	checkDemoFindings(t, "streamvet -json", parseJSON(t, dir, r.stdout))

	// Disabling the only analyzer that reports leaves nothing to report.
	var off []string
	for _, a := range analyzer.Suite {
		off = append(off, "-"+a.Name+"=false")
	}
	r = run(t, dir, sv, append(off, "./...")...)
	expect(t, r, 0, "streamvet with every analyzer disabled")

	// -diff alone prints the patch (it implies -fix) and writes nothing.
	r = run(t, dir, sv, "-diff", "./...")
	expect(t, r, 0, "streamvet -diff")
	if !strings.Contains(r.stdout, "-\t\tWriteTimeout: 10 * time.Second,") {
		t.Errorf("streamvet -diff printed no patch:\n%s\n%s", r.stdout, r.stderr)
	}
	if got := changed(before, readFiles(t, dir, demoFiles(t, dir))); len(got) > 0 {
		t.Errorf("streamvet -diff wrote %q", got)
	}

	expect(t, run(t, dir, sv, "-fix", "./..."), 0, "streamvet -fix")
	checkFixed(t, goCmd, sv, dir, before)
	expect(t, run(t, dir, sv, "./..."), 0, "streamvet after the fixes")
}

// TestFrontEndsAgree runs every reporting front end on the same demo and
// compares the complete findings, message text included.
func TestFrontEndsAgree(t *testing.T) {
	t.Parallel()
	goCmd, sv := requireGo(t), streamvet(t)
	dir := copyDemo(t)
	type frontEnd struct {
		name string
		args []string
		json bool
	}
	frontEnds := []frontEnd{
		{"go vet -vettool", []string{goCmd, "vet", "-vettool=" + sv, "./..."}, false},
		{"go vet -vettool -json", []string{goCmd, "vet", "-vettool=" + sv, "-json", "./..."}, true},
		{"go fix -fixtool -json", []string{goCmd, "fix", "-fixtool=" + sv, "-json", "./..."}, true},
		{"streamvet", []string{sv, "./..."}, false},
		{"streamvet -json", []string{sv, "-json", "./..."}, true},
	}
	var first []finding
	for i, fe := range frontEnds {
		r := run(t, dir, fe.args[0], fe.args[1:]...)
		var got []finding
		if fe.json {
			got = parseJSON(t, dir, r.stdout)
		} else {
			got = parseText(t, dir, r.stderr)
		}
		if i == 0 {
			first = got
			checkDemoFindings(t, fe.name, got)
			continue
		}
		if !slices.Equal(unnamed(got), unnamed(first)) {
			t.Errorf("%s found\n\t%v\n%s found\n\t%v", fe.name, got, frontEnds[0].name, first)
		}
	}
}

// TestTypeErrors checks that a package that does not compile is reported
// with the compiler's error and a non-zero exit, by every front end.
func TestTypeErrors(t *testing.T) {
	t.Parallel()
	goCmd, sv := requireGo(t), streamvet(t)
	for _, tc := range []struct {
		name, src, want string
	}{
		{"undefined", "package broken\n\nimport \"net/http\"\n\nfunc Handler() http.Handler {\n\treturn undefinedProxy\n}\n",
			"broken/broken.go:6:9: undefined: undefinedProxy"},
		{"syntax", "package broken\n\nfunc (\n", "broken/broken.go:3:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := copyDemo(t)
			if err := os.Mkdir(filepath.Join(dir, "broken"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "broken", "broken.go"), []byte(tc.src), 0o644); err != nil {
				t.Fatal(err)
			}
			for _, args := range [][]string{
				{goCmd, "vet", "-vettool=" + sv, "./broken"},
				{goCmd, "vet", "-vettool=" + sv, "-json", "./broken"},
				{goCmd, "vet", "-vettool=" + sv, "-fix", "./broken"},
				{goCmd, "fix", "-fixtool=" + sv, "./broken"},
				{sv, "./broken"},
				{sv, "-json", "./broken"},
				{sv, "-fix", "./broken"},
			} {
				what := strings.Join(append([]string{filepath.Base(args[0])}, args[1:]...), " ")
				r := run(t, dir, args[0], args[1:]...)
				if r.code == 0 {
					t.Errorf("%s: exit code 0 on a package that does not compile", what)
				}
				if !strings.Contains(filepath.ToSlash(r.stderr), tc.want) {
					t.Errorf("%s: stderr lacks %q:\n%s", what, tc.want, r.stderr)
				}
				checkNoAnalyzerNoise(t, what, r.stderr)
				if args[0] == sv {
					if n := strings.Count(filepath.ToSlash(r.stderr), tc.want); n != 1 {
						t.Errorf("%s: %q printed %d times, want once:\n%s", what, tc.want, n, r.stderr)
					}
				}
			}
		})
	}
}

// TestUsage checks -h, help, -V=full and -flags: what go vet and users ask
// the tool before running it.
func TestUsage(t *testing.T) {
	t.Parallel()
	sv := streamvet(t)
	dir := t.TempDir()

	r := run(t, dir, sv, "-h")
	expect(t, r, 0, "streamvet -h")
	for _, a := range analyzer.Suite {
		line := regexp.MustCompile(`(?m)^  ` + regexp.QuoteMeta(a.Name) + ` +` + regexp.QuoteMeta(strings.SplitN(a.Doc, "\n", 2)[0]) + `$`)
		if !line.MatchString(r.stderr) {
			t.Errorf("streamvet -h does not list %s with its summary:\n%s", a.Name, r.stderr)
		}
	}
	for _, want := range []string{"go vet -vettool=", "go fix -fixtool=", "Exit status", "Generated files", "-generated", "-sarif", "//streamvet:ignore <reason>"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("streamvet -h lacks %q", want)
		}
	}

	r = run(t, dir, sv, "help")
	expect(t, r, 0, "streamvet help")
	for _, a := range analyzer.Suite {
		if !strings.Contains(r.stdout, a.Name) {
			t.Errorf("streamvet help does not list %s", a.Name)
		}
	}

	r = run(t, dir, sv, "-V=full")
	expect(t, r, 0, "streamvet -V=full")
	if !regexp.MustCompile(`^\S*streamvet version devel module=\S+ vcs.revision=\S+ buildID=[0-9a-f]{64}\n$`).MatchString(r.stdout) {
		t.Errorf("streamvet -V=full printed %q, not what go vet parses", r.stdout)
	}
	if strings.Contains(r.stdout, "comments-go-here") {
		t.Errorf("streamvet -V=full printed a placeholder: %q", r.stdout)
	}

	// An unknown flag: the error and where to read more, not the usage.
	r = run(t, dir, sv, "-nosuchflag", "./...")
	expect(t, r, 2, "streamvet -nosuchflag")
	if want := "streamvet: flag provided but not defined: -nosuchflag\nrun 'streamvet -h' for usage\n"; r.stderr != want {
		t.Errorf("streamvet -nosuchflag printed\n%s\nwant\n%s", r.stderr, want)
	}

	r = run(t, dir, sv, "-flags")
	expect(t, r, 0, "streamvet -flags")
	var flags []struct{ Name string }
	if err := json.Unmarshal([]byte(r.stdout), &flags); err != nil {
		t.Fatalf("streamvet -flags: %v\n%s", err, r.stdout)
	}
	for _, a := range analyzer.Suite {
		if !slices.ContainsFunc(flags, func(f struct{ Name string }) bool { return f.Name == a.Name }) {
			t.Errorf("streamvet -flags does not offer -%s to go vet", a.Name)
		}
	}
}

// TestDemoShowsEveryCheck: the bundled demo, which the README's first
// command runs, has a finding of every check that reports code (the
// directive check reports only directives).
func TestDemoShowsEveryCheck(t *testing.T) {
	for _, a := range analyzer.Suite {
		if a.Name == "directive" {
			continue
		}
		if !slices.ContainsFunc(demoFindings, func(f finding) bool { return f.Check == a.Name }) {
			t.Errorf("the demo has no finding of %s", a.Name)
		}
	}
}
