package fixer_test

import (
	"go/ast"
	"go/format"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"slices"
	"strings"
	"testing"

	"golang.org/x/tools/go/analysis"

	"github.com/streamvet/streamvet/fixer"
)

// load parses and type-checks one file.
func load(t *testing.T, src string) *fixer.File {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "server.go", src, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	info := &types.Info{Uses: map[*ast.Ident]types.Object{}, Defs: map[*ast.Ident]types.Object{}, Types: map[ast.Expr]types.TypeAndValue{}, Implicits: map[ast.Node]types.Object{}}
	conf := types.Config{Importer: importer.ForCompiler(fset, "gc", nil)}
	if _, err := conf.Check("p", fset, []*ast.File{f}, info); err != nil {
		t.Fatal(err)
	}
	return &fixer.File{Fset: fset, Syntax: f, Info: info, Src: []byte(src)}
}

// setting finds the key name in the file's first composite literal.
func setting(t *testing.T, f *fixer.File, name string) fixer.Setting {
	t.Helper()
	var s *fixer.Setting
	ast.Inspect(f.Syntax, func(n ast.Node) bool {
		if kv, ok := n.(*ast.KeyValueExpr); ok && s == nil {
			if id, ok := kv.Key.(*ast.Ident); ok && id.Name == name {
				s = &fixer.Setting{Name: name, Node: kv, Value: kv.Value}
			}
		}
		return s == nil
	})
	if s == nil {
		t.Fatalf("no %s in the file", name)
	}
	return *s
}

// apply applies a fix's edits to the source.
func apply(f *fixer.File, fix analysis.SuggestedFix) string {
	edits := slices.Clone(fix.TextEdits)
	slices.SortFunc(edits, func(a, b analysis.TextEdit) int { return int(b.Pos - a.Pos) })
	out := string(f.Src)
	for _, e := range edits {
		start, end := f.Fset.Position(e.Pos).Offset, f.Fset.Position(e.End).Offset
		out = out[:start] + string(e.NewText) + out[end:]
	}
	return out
}

func TestRemoveDropsUnusedImport(t *testing.T) {
	f := load(t, `package p

import (
	"net/http"
	"time"
)

var srv = &http.Server{
	ReadHeaderTimeout: 5,
	IdleTimeout:       6,
	WriteTimeout:      10 * time.Second,
}
`)
	got := replaceWriteTimeout(t, f, nil, nil)
	if strings.Contains(got, "WriteTimeout") || strings.Contains(got, `"time"`) {
		t.Errorf("WriteTimeout or its now unused import left behind:\n%s", got)
	}
	if !strings.Contains(got, "IdleTimeout:       6,\n}") {
		t.Errorf("the line was not removed whole:\n%s", got)
	}
}

// A removed WriteTimeout says nothing about how long headers may take:
// the replacements get their defaults, not its value.
func TestReplaceUsesDefaults(t *testing.T) {
	f := load(t, `package p

import (
	"net/http"
	"time"
)

var srv = &http.Server{
	WriteTimeout: 5 * time.Minute,
}
`)
	fix, ok := fixer.ReplaceServerTimeout(f, setting(t, f, "WriteTimeout"), []fixer.Replacement{fixer.ReadHeaderTimeout, fixer.IdleTimeout}, nil)
	if !ok {
		t.Fatal("no fix")
	}
	got := apply(f, fix)
	for _, want := range []string{
		"\t// " + fixer.ReadHeaderTimeout.Why + "\n\tReadHeaderTimeout: 10 * time.Second,\n",
		"\t// " + fixer.IdleTimeout.Why + "\n\tIdleTimeout: 2 * time.Minute,\n",
		"\t\"time\"\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in:\n%s", want, got)
		}
	}
	if fix.Message != "replace WriteTimeout with ReadHeaderTimeout and IdleTimeout" {
		t.Errorf("message %q", fix.Message)
	}
}

// The defaults need package time: a file that lacks it gets the import,
// under the name the file can use.
func TestDefaultsImportTime(t *testing.T) {
	f := load(t, `package p

import "net/http"

const writeTimeout = 10_000_000_000

var srv = &http.Server{WriteTimeout: writeTimeout, Handler: nil}
`)
	fix, ok := fixer.ReplaceInLiteral(f, firstLiteral(t, f), []fixer.Setting{setting(t, f, "WriteTimeout")}, []fixer.Replacement{fixer.ReadHeaderTimeout, fixer.IdleTimeout}, nil)
	if !ok {
		t.Fatal("no fix")
	}
	got := apply(f, fix)
	if !strings.Contains(got, "import (\n\t\"net/http\"\n\t\"time\"\n)") || !strings.Contains(got, "10 * time.Second") {
		t.Errorf("time not imported for the defaults:\n%s", got)
	}
	if _, err := format.Source([]byte(got)); err != nil {
		t.Errorf("fixed file does not parse: %v\n%s", err, got)
	}
}

// A literal on one line is laid out as gofmt would, a field a line, with
// the comments that say why; the server's ReadTimeout is the value the
// replacements reuse (net/http applies it to headers and idle
// connections), and both findings get the same fix.
func TestOneLineLiteral(t *testing.T) {
	f := load(t, `package p

import (
	"net/http"
	"time"
)

func server(h http.Handler) *http.Server {
	srv := &http.Server{Addr: ":80", Handler: h, ReadTimeout: 5 * time.Second, WriteTimeout: 10 * time.Second}
	return srv
}
`)
	rt, wt := setting(t, f, "ReadTimeout"), setting(t, f, "WriteTimeout")
	fix, ok := fixer.ReplaceInLiteral(f, firstLiteral(t, f), []fixer.Setting{rt, wt}, []fixer.Replacement{fixer.ReadHeaderTimeout, fixer.IdleTimeout}, rt.Value)
	if !ok {
		t.Fatal("no fix")
	}
	got := apply(f, fix)
	want := `	srv := &http.Server{
		Addr:    ":80",
		Handler: h,
		// ` + fixer.ReadHeaderTimeout.Why + `
		ReadHeaderTimeout: 5 * time.Second,
		// ` + fixer.IdleTimeout.Why + `
		IdleTimeout: 5 * time.Second,
	}
	return srv
`
	if !strings.Contains(got, want) {
		t.Errorf("got:\n%s\nwant it to contain:\n%s", got, want)
	}
	checkGofmt(t, got)
	if fix.Message != "replace ReadTimeout and WriteTimeout with ReadHeaderTimeout and IdleTimeout" {
		t.Errorf("message %q", fix.Message)
	}
}

// checkGofmt fails the test unless src is as gofmt prints it.
func checkGofmt(t *testing.T, src string) {
	t.Helper()
	if formatted, err := format.Source([]byte(src)); err != nil || string(formatted) != src {
		t.Errorf("the fixed file is not gofmt'd (%v):\n%s", err, src)
	}
}

// replaceWriteTimeout applies ReplaceServerTimeout's fix for the file's
// WriteTimeout and returns the fixed file.
func replaceWriteTimeout(t *testing.T, f *fixer.File, with []fixer.Replacement, reuse ast.Expr) string {
	t.Helper()
	fix, ok := fixer.ReplaceServerTimeout(f, setting(t, f, "WriteTimeout"), with, reuse)
	if !ok {
		t.Fatal("no fix")
	}
	return apply(f, fix)
}

// firstLiteral returns the file's first composite literal.
func firstLiteral(t *testing.T, f *fixer.File) *ast.CompositeLit {
	t.Helper()
	var lit *ast.CompositeLit
	ast.Inspect(f.Syntax, func(n ast.Node) bool {
		if l, ok := n.(*ast.CompositeLit); ok && lit == nil {
			lit = l
		}
		return lit == nil
	})
	if lit == nil {
		t.Fatal("no composite literal")
	}
	return lit
}

// A constant ReadTimeout is reused as it is written.
func TestReplaceReusesReadTimeout(t *testing.T) {
	f := load(t, `package p

import (
	"net/http"
	"time"
)

var srv = &http.Server{
	ReadTimeout:  readTimeout,
	WriteTimeout: 10 * time.Second,
}

const readTimeout = 7 * time.Second
`)
	fix, ok := fixer.ReplaceServerTimeout(f, setting(t, f, "WriteTimeout"), []fixer.Replacement{fixer.IdleTimeout}, setting(t, f, "ReadTimeout").Value)
	if !ok {
		t.Fatal("no fix")
	}
	got := apply(f, fix)
	for _, want := range []string{
		"\t// " + fixer.IdleTimeout.Why + "\n\tIdleTimeout: readTimeout,\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in:\n%s", want, got)
		}
	}
	if fix.Message != "replace WriteTimeout with IdleTimeout" {
		t.Errorf("message %q", fix.Message)
	}
}

func TestNoFixWhenLocalLosesItsLastUse(t *testing.T) {
	f := load(t, `package p

import (
	"net/http"
	"os"
	"time"
)

func server() *http.Server {
	d, _ := time.ParseDuration(os.Getenv("WRITE_TIMEOUT"))
	return &http.Server{ReadHeaderTimeout: 1, IdleTimeout: 1, WriteTimeout: d}
}
`)
	if _, ok := fixer.ReplaceServerTimeout(f, setting(t, f, "WriteTimeout"), nil, nil); ok {
		t.Error("offered a fix that leaves d declared and not used")
	}
}

// A value from configuration is never moved to another field: a flag
// documented as "response write timeout" must not become an IdleTimeout.
func TestConfiguredValueIsNotRepurposed(t *testing.T) {
	f := load(t, `package p

import (
	"flag"
	"net/http"
)

func server() *http.Server {
	writeTimeout := flag.Duration("write-timeout", 0, "response write timeout")
	srv := &http.Server{}
	srv.WriteTimeout = *writeTimeout
	return srv
}
`)
	var s *fixer.Setting
	ast.Inspect(f.Syntax, func(n ast.Node) bool {
		if as, ok := n.(*ast.AssignStmt); ok && s == nil && len(as.Lhs) == 1 {
			if sel, ok := as.Lhs[0].(*ast.SelectorExpr); ok && sel.Sel.Name == "WriteTimeout" {
				s = &fixer.Setting{Name: "WriteTimeout", Node: as, Value: as.Rhs[0]}
			}
		}
		return s == nil
	})
	fix, ok := fixer.ReplaceServerTimeout(f, *s, []fixer.Replacement{fixer.ReadHeaderTimeout, fixer.IdleTimeout}, nil)
	if !ok {
		t.Fatal("no fix")
	}
	got := apply(f, fix)
	if strings.Contains(got, "IdleTimeout") || strings.Contains(got, "ReadHeaderTimeout") || strings.Contains(got, "srv.WriteTimeout") {
		t.Errorf("the configured value was moved to another field or kept:\n%s", got)
	}
	// writeTimeout loses its last use: it stays used, so the code compiles,
	// and the comment says that the flag no longer does anything.
	want := "\t_ = *writeTimeout // WriteTimeout removed: an absolute deadline cuts streamed responses; flag -write-timeout now has no effect.\n"
	if !strings.Contains(got, want) {
		t.Errorf("missing %q in:\n%s", want, got)
	}
	if fix.Message != "remove WriteTimeout from the streaming server" {
		t.Errorf("message %q", fix.Message)
	}
	if _, err := parser.ParseFile(token.NewFileSet(), "fixed.go", got, 0); err != nil {
		t.Errorf("fixed file does not parse: %v\n%s", err, got)
	}
}

func TestConfiguredValueRemovedWithComment(t *testing.T) {
	f := load(t, `package p

import (
	"net/http"
	"time"
)

var cfg struct{ Write time.Duration }

var srv = &http.Server{
	ReadTimeout:  5 * time.Second,
	WriteTimeout: cfg.Write,
}
`)
	got := replaceWriteTimeout(t, f, []fixer.Replacement{fixer.IdleTimeout}, nil)
	want := "\tReadTimeout:  5 * time.Second,\n\t// WriteTimeout removed: an absolute deadline cuts streamed responses; the other timeouts are unchanged.\n}\n"
	if !strings.Contains(got, want) {
		t.Errorf("missing %q in:\n%s", want, got)
	}
}

// TestBraceOnSettingsLine: removing a last field that shares its line with
// the closing brace joins the brace to the line before, as gofmt keeps
// it, instead of leaving the brace on a line with only indentation.
func TestBraceOnSettingsLine(t *testing.T) {
	f := load(t, `package p

import (
	"net/http"
	"time"
)

func server(h http.Handler) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute,
		WriteTimeout: time.Minute}
}
`)
	got := replaceWriteTimeout(t, f, nil, nil)
	want := "\treturn &http.Server{Handler: h, ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute}\n}\n"
	if !strings.Contains(got, want) {
		t.Errorf("got:\n%s\nwant it to contain:\n%s", got, want)
	}
	checkGofmt(t, got)
}
