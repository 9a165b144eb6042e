package streamsafe_test

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// exampleBody returns the statements of the package example, Example in
// example_test.go, unindented.
func exampleBody(t *testing.T) string {
	t.Helper()
	src, err := os.ReadFile("example_test.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "example_test.go", src, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range f.Decls {
		if fn, ok := d.(*ast.FuncDecl); ok && fn.Name.Name == "Example" {
			body := src[fset.Position(fn.Body.Lbrace).Offset+1 : fset.Position(fn.Body.Rbrace).Offset]
			return unindent(string(body), "\t")
		}
	}
	t.Fatal("no func Example in example_test.go")
	return ""
}

func unindent(s, prefix string) string {
	var b strings.Builder
	for line := range strings.Lines(strings.Trim(s, "\n")) {
		b.WriteString(strings.TrimPrefix(line, prefix))
	}
	return strings.TrimRight(b.String(), "\n")
}

// readme returns the repository's README.
func readme(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The typical server in doc.go and the README is the package example,
// which the compiler checks: the three must not drift apart.
func TestExampleIsTheDocumentedOne(t *testing.T) {
	want := exampleBody(t)

	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(doc), "// A typical server")
	if !ok {
		t.Fatal(`doc.go has no "A typical server" section`)
	}
	var block []string
	for line := range strings.Lines(after) {
		if strings.HasPrefix(line, "//\t") {
			block = append(block, strings.TrimPrefix(line, "//\t"))
		} else if len(block) > 0 {
			break
		}
	}
	if got := strings.TrimRight(strings.Join(block, ""), "\n"); got != want {
		t.Errorf("doc.go shows\n%s\n\nthe package example is\n%s", got, want)
	}

	_, section, ok := strings.Cut(readme(t), "## The corrected pattern: `runtime/streamsafe`")
	if !ok {
		t.Fatal("README has no runtime/streamsafe section")
	}
	m := regexp.MustCompile("(?s)```go\n(.*?)\n```").FindStringSubmatch(section)
	if m == nil {
		t.Fatal("README's runtime/streamsafe section has no go block")
	}
	if m[1] != want {
		t.Errorf("README shows\n%s\n\nthe package example is\n%s", m[1], want)
	}
}

// The README's steps to use streamsafe from a clone, run as written on a
// new module whose main is the package example, give a program that
// builds.
func TestREADMEInstallSteps(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go mod tidy and go build")
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	_, install, ok := strings.Cut(readme(t), "## Install")
	if !ok {
		t.Fatal("README has no Install section")
	}
	install, _, _ = strings.Cut(install, "\n## ")
	var steps []string
	for line := range strings.Lines(install) {
		if strings.HasPrefix(line, "go mod ") {
			cmd, _, _ := strings.Cut(line, "#")
			steps = append(steps, strings.TrimSpace(cmd))
		}
	}
	if len(steps) == 0 || !strings.HasPrefix(steps[len(steps)-1], "go mod tidy") {
		t.Fatalf("README's install steps %q do not end with go mod tidy", steps)
	}

	dir := t.TempDir()
	app := filepath.Join(dir, "app")
	if err := os.Mkdir(app, 0o755); err != nil {
		t.Fatal(err)
	}
	// The README's steps name the clone as ../streamvet, next to the module.
	if err := os.Symlink(root, filepath.Join(dir, "streamvet")); err != nil {
		t.Fatal(err)
	}
	main := "package main\n\nimport (\n\t\"log\"\n\t\"log/slog\"\n\t\"net/http\"\n\t\"net/url\"\n\t\"time\"\n\n" +
		"\t\"github.com/streamvet/streamvet/runtime/streamsafe\"\n)\n\nfunc main() {\n\t" +
		strings.ReplaceAll(exampleBody(t), "\n", "\n\t") + "\n}\n"
	if err := os.WriteFile(filepath.Join(app, "main.go"), []byte(main), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) {
		t.Helper()
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Dir = app
		cmd.Env = append(os.Environ(), "GOFLAGS=", "GOWORK=off")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out.String())
		}
	}
	run("go", "mod", "init", "example.com/app")
	for _, step := range steps {
		run(strings.Fields(step)...)
	}
	run("go", "build", "-o", os.DevNull, ".")
}
