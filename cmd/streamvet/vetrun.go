package main

// This file runs the analysis of the standalone command through the go
// command: go vet -vettool=<this executable> -json. The go command builds
// and analyzes each dependency once and keeps its export data and facts in
// the build cache, so a second run on the same code analyzes only the
// packages named, as go vet does; loading every dependency from source in
// this process, as the -facts and -cpuprofile runs still do, analyzes the
// whole dependency tree on every run.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"go/parser"
	"go/token"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/packages"

	"github.com/streamvet/streamvet/analyzer"
	"github.com/streamvet/streamvet/analyzer/directive"
)

// vetArgs returns the arguments of go vet for the standalone flags that
// were set: the build tags, the analyzers switched on or off, their own
// flags and -generated.
func vetArgs(fs *flag.FlagSet) []string {
	var args []string
	fs.Visit(func(f *flag.Flag) {
		name := f.Name
		switch {
		case name == "tags":
			args = append(args, "-tags="+f.Value.String())
		case name == "generated":
			args = append(args, "-generated="+f.Value.String())
		case slices.ContainsFunc(analyzer.Suite, func(a *analysis.Analyzer) bool {
			return name == a.Name || strings.HasPrefix(name, a.Name+".")
		}):
			args = append(args, "-"+name+"="+f.Value.String())
		}
	})
	return args
}

// vetRun analyzes the packages matched by patterns with go vet and returns
// the findings, and each error of a package that does not build once. An
// error is returned when go vet fails for another reason; its output is
// then what it printed.
func vetRun(args, patterns []string, out *printer, stderr io.Writer) ([]finding, []loadError, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, nil, err
	}
	cmd := exec.Command("go", append(append(append([]string{"vet", "-vettool=" + exe, "-json"}, args...), "--"), patterns...)...)
	var stdout, errout bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &errout
	runErr := cmd.Run()
	var exit *exec.ExitError
	if runErr != nil && !errors.As(runErr, &exit) {
		return nil, nil, fmt.Errorf("go vet: %v", runErr)
	}
	loadErrs, other := out.vetErrors(errout.String())
	if runErr != nil && len(loadErrs) == 0 {
		// Not a package error: go vet's own words (a bad pattern, no
		// module), as the go command prints them.
		io.WriteString(stderr, errout.String())
		return nil, nil, errSilent
	}
	io.WriteString(stderr, other)
	findings, err := parseVetJSON(stdout.Bytes())
	return findings, loadErrs, err
}

// errSilent reports a failure whose message has been printed.
var errSilent = errors.New("failed")

// vetHeader is the line go vet prints before the errors of a package.
var vetHeader = regexp.MustCompile(`^# (\S+)`)

// errLine is one compiler or go list error: file:line[:col]: message.
var errLine = regexp.MustCompile(`^(?:vet: )?(\S+\.go):(\d+)(?::(\d+))?: (.*)$`)

// vetErrors splits what go vet printed to standard error into the errors
// of packages that do not build, each once (a package and its test
// variant print the same), and the rest, kept for the user.
func (p *printer) vetErrors(s string) ([]loadError, string) {
	var list []loadError
	var other strings.Builder
	seen := make(map[string]bool)
	pkg := ""
	sc := bufio.NewScanner(strings.NewReader(s))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if m := vetHeader.FindStringSubmatch(line); m != nil {
			pkg = m[1]
			continue
		}
		m := errLine.FindStringSubmatch(line)
		if m == nil {
			if pkg != "" && strings.HasPrefix(line, "vet: ") {
				m = []string{line, "", "", "", strings.TrimPrefix(line, "vet: ")}
			} else {
				other.WriteString(line + "\n")
				continue
			}
		}
		pos := ""
		if m[1] != "" {
			pos = p.path(absFile(m[1])) + ":" + m[2]
			if m[3] != "" {
				pos += ":" + m[3]
			}
		}
		text := m[4]
		if pos != "" {
			text = pos + ": " + m[4]
		}
		if seen[text] {
			continue
		}
		seen[text] = true
		list = append(list, loadError{pkg: pkg, pos: pos, msg: m[4], text: text})
	}
	return list, other.String()
}

func absFile(name string) string {
	if abs, err := filepath.Abs(name); err == nil {
		return abs
	}
	return name
}

// parseVetJSON reads the objects go vet -json prints, one per package:
// package ID -> analyzer -> diagnostics, or {"error": "..."} when the
// analyzer failed. Positions become token.Pos in a file set of the files
// named, read from disk.
func parseVetJSON(data []byte) ([]finding, error) {
	fset := token.NewFileSet()
	files := make(map[string]*token.File)
	file := func(name string) (*token.File, error) {
		if f, ok := files[name]; ok {
			return f, nil
		}
		src, err := os.ReadFile(name)
		if err != nil {
			return nil, err
		}
		f := fset.AddFile(name, -1, len(src))
		f.SetLinesForContent(src)
		files[name] = f
		return f, nil
	}
	pos := func(posn string) (token.Pos, error) {
		name, line, col, ok := splitPos(posn)
		if !ok {
			return token.NoPos, fmt.Errorf("go vet printed position %q", posn)
		}
		f, err := file(name)
		if err != nil {
			return token.NoPos, err
		}
		if line < 1 || line > f.LineCount() {
			return token.NoPos, fmt.Errorf("go vet printed position %q past the end of the file", posn)
		}
		off := f.Offset(f.LineStart(line)) + max(col-1, 0)
		return f.Pos(min(off, f.Size())), nil
	}
	var list []finding
	var failures []string
	pkgs := make(map[string]*packages.Package)
	dec := json.NewDecoder(bytes.NewReader(data))
	for dec.More() {
		var tree map[string]map[string]json.RawMessage
		if err := dec.Decode(&tree); err != nil {
			return nil, fmt.Errorf("reading go vet -json: %v", err)
		}
		for id, byAnalyzer := range tree {
			pkg := pkgs[id]
			if pkg == nil {
				pkg = &packages.Package{ID: id, PkgPath: id, Fset: fset}
				pkgs[id] = pkg
			}
			for name, raw := range byAnalyzer {
				i := slices.IndexFunc(analyzer.Suite, func(a *analysis.Analyzer) bool { return a.Name == name })
				if i < 0 {
					continue // not ours
				}
				if bytes.HasPrefix(bytes.TrimSpace(raw), []byte("{")) {
					var e struct{ Error string }
					_ = json.Unmarshal(raw, &e)
					failures = append(failures, fmt.Sprintf("%s on %s: %s", name, id, e.Error))
					continue
				}
				var diags []jsonDiagnostic
				if err := json.Unmarshal(raw, &diags); err != nil {
					return nil, fmt.Errorf("reading go vet -json: %v", err)
				}
				for _, jd := range diags {
					d, err := diagnostic(jd, pos, file)
					if err != nil {
						return nil, err
					}
					list = append(list, finding{analyzer.Suite[i], pkg, d})
				}
			}
		}
	}
	if len(failures) > 0 {
		slices.Sort(failures)
		return list, errors.New(strings.Join(failures, "\n"))
	}
	return list, nil
}

// diagnostic turns one diagnostic of go vet -json back into an
// analysis.Diagnostic.
func diagnostic(jd jsonDiagnostic, pos func(string) (token.Pos, error), file func(string) (*token.File, error)) (analysis.Diagnostic, error) {
	var d analysis.Diagnostic
	var err error
	if d.Pos, err = pos(jd.Posn); err != nil {
		return d, err
	}
	if d.End, err = pos(jd.End); err != nil {
		return d, err
	}
	d.Message, d.Category = jd.Message, jd.Category
	for _, r := range jd.Related {
		p, err := pos(r.Posn)
		if err != nil {
			return d, err
		}
		end, err := pos(r.End)
		if err != nil {
			return d, err
		}
		d.Related = append(d.Related, analysis.RelatedInformation{Pos: p, End: end, Message: r.Message})
	}
	for _, jf := range jd.SuggestedFixes {
		fix := analysis.SuggestedFix{Message: jf.Message}
		for _, e := range jf.Edits {
			f, err := file(e.Filename)
			if err != nil {
				return d, err
			}
			if e.Start < 0 || e.End < e.Start || e.End > f.Size() {
				return d, fmt.Errorf("go vet printed an edit of %s outside the file", e.Filename)
			}
			fix.TextEdits = append(fix.TextEdits, analysis.TextEdit{Pos: f.Pos(e.Start), End: f.Pos(e.End), NewText: []byte(e.New)})
		}
		d.SuggestedFixes = append(d.SuggestedFixes, fix)
	}
	return d, nil
}

// generatedFile reports whether the file named name is generated, by its
// header, for findings whose package syntax this process has not loaded.
func generatedFile(name string) bool {
	f, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.PackageClauseOnly|parser.ParseComments)
	return err == nil && directive.IsGenerated(f)
}
