package main

// This file is the standalone driver: streamvet run by a user on package
// patterns. It loads the packages with go/packages, runs the analyzers
// with golang.org/x/tools/go/analysis/checker and prints, fixes or diffs
// the results itself.

import (
	"cmp"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"go/token"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/checker"
	"golang.org/x/tools/go/packages"

	"github.com/streamvet/streamvet/analyzer"
	"github.com/streamvet/streamvet/analyzer/directive"
)

// options are the standalone command's flags.
type options struct {
	json, sarif, fix, diff, tests bool
	facts                         bool
	cpuprofile                    string
	format, tags                  string
	enabled                       map[string]*triState
}

// triState is an analyzer switch: unset, true or false.
type triState int

const (
	unset triState = iota
	setTrue
	setFalse
)

func (t *triState) IsBoolFlag() bool { return true }
func (t *triState) String() string {
	switch *t {
	case setTrue:
		return "true"
	case setFalse:
		return "false"
	}
	return "unset"
}
func (t *triState) Set(s string) error {
	b, err := strconv.ParseBool(s)
	if err != nil {
		return err
	}
	*t = setFalse
	if b {
		*t = setTrue
	}
	return nil
}

var opts = options{enabled: make(map[string]*triState)}

// newFlags declares the standalone flags; each analyzer's own flags are
// offered as -NAME.FLAG, as go vet does.
func newFlags() *flag.FlagSet {
	fs := flag.NewFlagSet(filepath.Base(os.Args[0]), flag.ContinueOnError)
	fs.BoolVar(&opts.json, "json", false, "print the findings as JSON (the form of go vet -json)")
	fs.BoolVar(&opts.sarif, "sarif", false, "print the findings as SARIF 2.1.0 (same as -format=sarif)")
	fs.StringVar(&opts.format, "format", "text", "output `format`: text, json or sarif")
	fs.BoolVar(&opts.fix, "fix", false, "apply the first fix of each finding")
	fs.BoolVar(&opts.diff, "diff", false, "print the fixes as a unified diff (git apply, patch -p1) instead of applying them")
	fs.BoolVar(&opts.tests, "test", true, "analyze the packages' tests too")
	fs.StringVar(&opts.tags, "tags", "", "comma-separated build `tags`")
	fs.BoolVar(directive.IncludeGenerated, "generated", false, generatedUsage)
	fs.BoolVar(&opts.facts, "facts", false, "print each fact the analyzers export, to standard error (why a handler streams, where a recover swallows)")
	fs.StringVar(&opts.cpuprofile, "cpuprofile", "", "write a CPU profile of the analysis to `file`")
	fs.Bool("V", false, "print the version and exit (-V=full for go vet)")
	for _, a := range analyzer.Suite {
		t := new(triState)
		opts.enabled[a.Name] = t
		fs.Var(t, a.Name, "enable "+a.Name+" analysis")
		a.Flags.VisitAll(func(f *flag.Flag) {
			fs.Var(f.Value, a.Name+"."+f.Name, f.Usage)
		})
	}
	return fs
}

// standalone runs the command and returns its exit code.
func standalone(args []string, stdout, stderr io.Writer) int {
	prog := filepath.Base(os.Args[0])
	fs := newFlags()
	fs.SetOutput(io.Discard) // errors are reported in one line below
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			usage(stderr, fs)
			return 0
		}
		fmt.Fprintf(stderr, "%s: %v\nrun '%s -h' for usage\n", prog, err, prog)
		return 2
	}
	if fs.Lookup("V").Value.String() == "true" {
		printVersion(stdout)
		return 0
	}
	rest := fs.Args()
	if len(rest) > 0 && rest[0] == "help" {
		return help(stdout, stderr, rest[1:])
	}
	switch {
	case opts.sarif:
		opts.format = "sarif"
	case opts.json:
		opts.format = "json"
	}
	if !slices.Contains([]string{"text", "json", "sarif"}, opts.format) {
		fmt.Fprintf(stderr, "%s: -format=%s: want text, json or sarif\nrun '%s -h' for usage\n", prog, opts.format, prog)
		return 2
	}
	if opts.diff {
		opts.fix = true
	}
	if len(rest) == 0 {
		rest = []string{"."}
	}

	analyzers := selected()
	if len(analyzers) == 0 {
		return 0
	}

	out := newPrinter()
	exit := 0
	var findings []finding
	var loadErrs []loadError
	if opts.facts || opts.cpuprofile != "" || !opts.tests {
		// Facts, a profile of the analysis, or packages without their
		// tests: only this process can give them.
		var failed bool
		var code int
		findings, loadErrs, failed, code = inProcess(analyzers, rest, out, stderr)
		if code != 0 {
			return code
		}
		if failed {
			exit = 1
		}
	} else {
		var err error
		findings, loadErrs, err = vetRun(vetArgs(fs), rest, out, stderr)
		if err == errSilent {
			return 1
		}
		if err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", prog, err)
			exit = 1
		}
	}
	for _, e := range loadErrs {
		fmt.Fprintln(stderr, e.text)
	}
	if len(loadErrs) > 0 {
		exit = 1
	}
	findings = dedupe(findings)

	if opts.fix {
		if err := applyFixes(findings, opts.diff, stdout); err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", prog, err)
			return 1
		}
		return exit
	}
	switch opts.format {
	case "json":
		if err := out.printJSON(stdout, findings, loadErrs); err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", prog, err)
			return 1
		}
	case "sarif":
		if err := out.printSARIF(stdout, findings, loadErrs); err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", prog, err)
			return 1
		}
	default:
		for _, f := range findings {
			out.printText(stderr, f)
		}
		if len(findings) > 0 && exit == 0 {
			exit = 3
		}
	}
	return exit
}

// inProcess loads the packages with go/packages and runs the analyzers in
// this process. failed says that an analyzer failed (it printed why); an
// exit code other than 0, that nothing could be analyzed (likewise).
func inProcess(analyzers []*analysis.Analyzer, patterns []string, out *printer, stderr io.Writer) (findings []finding, loadErrs []loadError, failed bool, code int) {
	prog := filepath.Base(os.Args[0])
	cfg := &packages.Config{
		Mode:  packages.LoadAllSyntax | packages.NeedModule,
		Tests: opts.tests,
	}
	if opts.tags != "" {
		cfg.BuildFlags = []string{"-tags=" + opts.tags}
	}
	pkgs, err := packages.Load(cfg, patterns...)
	if err != nil {
		// go/packages wraps what go list said ("err: exit status 1:
		// stderr: go: ..."): print only that.
		msg := err.Error()
		if _, after, ok := strings.Cut(msg, "stderr: "); ok {
			msg = strings.TrimSpace(after)
		}
		fmt.Fprintln(stderr, msg)
		return nil, nil, false, 1
	}
	// Each load or type error once, as the compiler prints it; the
	// packages that have one, or import one that has, are not analyzed.
	loadErrs = out.loadErrors(pkgs)
	if len(pkgs) == 0 {
		fmt.Fprintf(stderr, "%s: %s matched no packages\n", prog, strings.Join(patterns, " "))
		return nil, nil, false, 1
	}
	var roots []*packages.Package
	for _, p := range pkgs {
		if !broken(p, make(map[*packages.Package]bool)) {
			roots = append(roots, p)
		}
	}
	if len(roots) == 0 {
		return nil, loadErrs, false, 0
	}
	if opts.cpuprofile != "" {
		f, err := os.Create(opts.cpuprofile)
		if err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", prog, err)
			return nil, nil, false, 1
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", prog, err)
			return nil, nil, false, 1
		}
		defer func() {
			pprof.StopCPUProfile()
			f.Close()
		}()
	}
	var copts checker.Options
	if opts.facts {
		copts.FactLog = stderr
	}
	graph, err := checker.Analyze(analyzers, roots, &copts)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", prog, err)
		return nil, nil, false, 1
	}
	for _, act := range graph.Roots {
		if act.Err != nil {
			fmt.Fprintf(stderr, "%s: %s on %s: %v\n", prog, act.Analyzer.Name, act.Package.PkgPath, act.Err)
			failed = true
			continue
		}
		for _, d := range act.Diagnostics {
			findings = append(findings, finding{act.Analyzer, act.Package, d})
		}
	}
	return findings, loadErrs, failed, 0
}

// selected returns the analyzers the -NAME flags ask for: only those set
// true when any is, else all but those set false.
func selected() []*analysis.Analyzer {
	var on, all []*analysis.Analyzer
	for _, a := range analyzer.Suite {
		switch *opts.enabled[a.Name] {
		case setTrue:
			on = append(on, a)
			all = append(all, a)
		case unset:
			all = append(all, a)
		}
	}
	if len(on) > 0 {
		return on
	}
	return all
}

// help prints the analyzers, or the full documentation of the named ones.
func help(stdout, stderr io.Writer, names []string) int {
	if len(names) == 0 {
		fmt.Fprintf(stdout, "%s analyzers (run '%s help NAME' for one's documentation):\n\n", filepath.Base(os.Args[0]), filepath.Base(os.Args[0]))
		for _, a := range analyzer.Suite {
			fmt.Fprintf(stdout, "  %-16s %s\n", a.Name, summary(a.Doc))
		}
		return 0
	}
	for _, name := range names {
		i := slices.IndexFunc(analyzer.Suite, func(a *analysis.Analyzer) bool { return a.Name == name })
		if i < 0 {
			fmt.Fprintf(stderr, "%s: no analyzer %q\n", filepath.Base(os.Args[0]), name)
			return 2
		}
		a := analyzer.Suite[i]
		fmt.Fprintf(stdout, "%s: %s\n", a.Name, a.Doc)
		if a.URL != "" {
			fmt.Fprintf(stdout, "\n%s\n", a.URL)
		}
	}
	return 0
}

// broken reports whether p or a package it imports has errors.
func broken(p *packages.Package, seen map[*packages.Package]bool) bool {
	if len(p.Errors) > 0 || p.Module != nil && p.Module.Error != nil {
		return true
	}
	if seen[p] {
		return false
	}
	seen[p] = true
	for _, imp := range p.Imports {
		if broken(imp, seen) {
			return true
		}
	}
	return false
}

// finding is one diagnostic of one analyzer.
type finding struct {
	analyzer *analysis.Analyzer
	pkg      *packages.Package
	diag     analysis.Diagnostic
}

// dedupe drops the copies of a finding reported twice, in a package and
// in its test variant, and sorts them by position.
func dedupe(list []finding) []finding {
	type key struct {
		name     string
		pos, end token.Position
		msg      string
	}
	seen := make(map[key]bool)
	var out []finding
	for _, f := range list {
		fset := f.pkg.Fset
		k := key{f.analyzer.Name, fset.Position(f.diag.Pos), fset.Position(f.diag.End), f.diag.Message}
		if !seen[k] {
			seen[k] = true
			out = append(out, f)
		}
	}
	slices.SortStableFunc(out, func(a, b finding) int {
		pa, pb := a.pkg.Fset.Position(a.diag.Pos), b.pkg.Fset.Position(b.diag.Pos)
		return cmp.Or(strings.Compare(pa.Filename, pb.Filename), cmp.Compare(pa.Line, pb.Line), cmp.Compare(pa.Column, pb.Column))
	})
	return out
}

// printer formats positions: relative to the working directory inside
// it, module-qualified (module@version/file.go) in the module cache, by
// import path in GOROOT.
type printer struct {
	cwd            string
	modCache, root string
	envDone        bool
}

func newPrinter() *printer {
	cwd, _ := os.Getwd()
	return &printer{cwd: cwd}
}

func (p *printer) path(name string) string {
	if name == "" {
		return name
	}
	if rel, err := filepath.Rel(p.cwd, name); err == nil && filepath.IsLocal(rel) {
		return filepath.ToSlash(rel)
	}
	if !p.envDone {
		p.envDone = true
		if out, err := exec.Command("go", "env", "GOMODCACHE", "GOROOT").Output(); err == nil {
			lines := strings.Split(strings.TrimSpace(string(out)), "\n")
			if len(lines) == 2 {
				p.modCache, p.root = lines[0], filepath.Join(lines[1], "src")
			}
		}
	}
	for _, base := range []string{p.modCache, p.root} {
		if base == "" {
			continue
		}
		if rel, err := filepath.Rel(base, name); err == nil && filepath.IsLocal(rel) {
			return filepath.ToSlash(rel)
		}
	}
	return name
}

func (p *printer) position(pos token.Position) string {
	if !pos.IsValid() {
		return "-"
	}
	return fmt.Sprintf("%s:%d:%d", p.path(pos.Filename), pos.Line, pos.Column)
}

// printText prints a finding as go vet does, with the name of the check
// after the position (as golangci-lint and staticcheck name theirs, so
// that -NAME=false and 'streamvet help NAME' are one look away), and the
// path from server to stream indented under it.
func (p *printer) printText(w io.Writer, f finding) {
	fset := f.pkg.Fset
	fmt.Fprintf(w, "%s: %s: %s\n", p.position(fset.Position(f.diag.Pos)), f.analyzer.Name, f.diag.Message)
	for _, r := range f.diag.Related {
		fmt.Fprintf(w, "%s: \t%s\n", p.position(fset.Position(r.Pos)), r.Message)
	}
}

// loadError is one error of a package, printed once.
type loadError struct {
	pkg  string // the package ID
	pos  string // file:line:col as the compiler prints it, or ""
	msg  string
	text string
}

// loadErrors lists the errors of the packages and their dependencies, each
// once, in the order go list reports them.
func (p *printer) loadErrors(pkgs []*packages.Package) []loadError {
	var list []loadError
	seen := make(map[string]bool)
	add := func(id, pos, msg string) {
		text := msg
		if file, line, col, ok := splitPos(pos); ok {
			pos = p.path(file) + ":" + strconv.Itoa(line)
			if col > 0 {
				pos += ":" + strconv.Itoa(col)
			}
			text = pos + ": " + msg
		} else {
			pos = ""
		}
		if !seen[text] {
			seen[text] = true
			list = append(list, loadError{id, pos, msg, text})
		}
	}
	packages.Visit(pkgs, nil, func(pkg *packages.Package) {
		if pkg.Module != nil && pkg.Module.Error != nil {
			add(pkg.ID, "", pkg.Module.Error.Err)
		}
		// As the compiler does, stop at the first syntax error of a file,
		// and leave out the type errors that follow from a syntax or list
		// error (a missing import, say).
		early := slices.ContainsFunc(pkg.Errors, func(e packages.Error) bool { return e.Kind != packages.TypeError })
		for _, imp := range pkg.Imports {
			early = early || broken(imp, make(map[*packages.Package]bool))
		}
		parsed := make(map[string]bool)
		for _, e := range pkg.Errors {
			if e.Kind == packages.TypeError && early {
				continue
			}
			if e.Kind == packages.ParseError {
				file, _, _, _ := splitPos(e.Pos)
				if parsed[file] {
					continue
				}
				parsed[file] = true
			}
			add(pkg.ID, e.Pos, e.Msg)
		}
	})
	return list
}

var posPattern = regexp.MustCompile(`^(.+?):(\d+)(?::(\d+))?$`)

// splitPos splits "file:line:col" or "file:line" (col is then 0).
func splitPos(pos string) (file string, line, col int, ok bool) {
	m := posPattern.FindStringSubmatch(pos)
	if m == nil {
		return "", 0, 0, false
	}
	line, _ = strconv.Atoi(m[2])
	col, _ = strconv.Atoi(m[3])
	return m[1], line, col, true
}

// jsonDiagnostic and the types below are the JSON form go vet -json
// prints (golang.org/x/tools/internal/analysis/driverutil).
type jsonDiagnostic struct {
	Category       string           `json:"category,omitempty"`
	Posn           string           `json:"posn"`
	End            string           `json:"end"`
	Message        string           `json:"message"`
	SuggestedFixes []jsonFix        `json:"suggested_fixes,omitempty"`
	Related        []jsonRelatedInf `json:"related,omitempty"`
}

type jsonFix struct {
	Message string     `json:"message"`
	Edits   []jsonEdit `json:"edits"`
}

type jsonEdit struct {
	Filename string `json:"filename"`
	Start    int    `json:"start"`
	End      int    `json:"end"`
	New      string `json:"new"`
}

type jsonRelatedInf struct {
	Posn    string `json:"posn"`
	End     string `json:"end"`
	Message string `json:"message"`
}

// printJSON prints one tree, package ID -> analyzer -> diagnostics, as go
// vet -json does per package. A package that failed to load carries its
// errors as {"error": "..."} under the name "load", once.
func (p *printer) printJSON(w io.Writer, findings []finding, loadErrs []loadError) error {
	tree := make(map[string]map[string]any)
	put := func(id, name string) map[string]any {
		if tree[id] == nil {
			tree[id] = make(map[string]any)
		}
		return tree[id]
	}
	for _, f := range findings {
		fset := f.pkg.Fset
		pos := func(p token.Pos) string { return fset.Position(p).String() }
		d := jsonDiagnostic{
			Category: f.diag.Category,
			Posn:     pos(f.diag.Pos),
			End:      pos(cmp.Or(f.diag.End, f.diag.Pos)),
			Message:  f.diag.Message,
		}
		for _, fix := range f.diag.SuggestedFixes {
			jf := jsonFix{Message: fix.Message}
			for _, e := range fix.TextEdits {
				start := fset.Position(e.Pos)
				jf.Edits = append(jf.Edits, jsonEdit{start.Filename, start.Offset, fset.Position(e.End).Offset, string(e.NewText)})
			}
			d.SuggestedFixes = append(d.SuggestedFixes, jf)
		}
		for _, r := range f.diag.Related {
			d.Related = append(d.Related, jsonRelatedInf{pos(r.Pos), pos(cmp.Or(r.End, r.Pos)), r.Message})
		}
		m := put(f.pkg.ID, f.analyzer.Name)
		list, _ := m[f.analyzer.Name].([]jsonDiagnostic)
		m[f.analyzer.Name] = append(list, d)
	}
	type jsonError struct {
		Err string `json:"error"`
	}
	for _, e := range loadErrs {
		m := put(e.pkg, "load")
		prev, _ := m["load"].(jsonError)
		m["load"] = jsonError{strings.TrimPrefix(prev.Err+"\n"+e.text, "\n")}
	}
	data, err := json.MarshalIndent(tree, "", "\t")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", data)
	return err
}
