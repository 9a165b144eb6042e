// Command streamvet reports net/http streaming bugs: absolute server
// timeouts that cut a ReverseProxy or another streaming handler, recovery
// that swallows http.ErrAbortHandler, and related mistakes. It runs the
// checks listed in analyzer.Suite.
//
// One binary serves every front end:
//
//	go vet -vettool=$(command -v streamvet) ./...         # report
//	go vet -vettool=$(command -v streamvet) -json ./...   # report as JSON
//	go vet -vettool=$(command -v streamvet) -fix ./...    # apply each finding's first fix
//	go vet -vettool=$(command -v streamvet) -fix -diff ./...
//	go fix -fixtool=$(command -v streamvet) ./...         # apply fixes (Go 1.26+)
//	streamvet [-fix] [-diff] [-json] [-sarif] [-NAME=false] ./...   # standalone
//
// Under go vet and go fix the go command builds each package and runs
// streamvet once per package with a .cfg file (the unitchecker protocol of
// golang.org/x/tools); analysis facts flow between packages through the
// build cache. Run on its own, streamvet loads the packages itself with
// go/packages and prints, fixes and diffs them with the code in this
// directory: relative paths, a diff that git apply accepts, SARIF, and
// each load error once.
//
// Exit status:
//
//	front end                     clean  findings  fixes applied  package does not build
//	go vet -vettool               0      1         -              1
//	go vet -vettool -json         0      0         -              1
//	go vet -vettool -fix          0      0         0              1
//	go vet -vettool -fix -diff    0      1 (non-empty diff)       1
//	go fix -fixtool               0      0         0              1
//	go fix -fixtool -diff         0      1 (non-empty diff)       1
//	streamvet                     0      3         -              1
//	streamvet -json, -sarif       0      0         -              1
//	streamvet -fix                0      0         0              1
//	streamvet -diff               0      0 (prints the diff)      1
//
// Every front end exits 2 on an unknown flag or a bad flag value. Standalone,
// -diff implies -fix. A package that does not type-check is reported with
// its compiler errors and is not analyzed.
package main

import (
	"crypto/sha256"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/multichecker"

	"github.com/streamvet/streamvet/analyzer"
	"github.com/streamvet/streamvet/analyzer/directive"
)

// generatedUsage documents -generated for both drivers.
const generatedUsage = "also report findings in generated files (// Code generated ... DO NOT EDIT.), which are skipped by default"

func main() {
	args := os.Args[1:]
	for _, a := range args {
		if a == "-V=full" || a == "--V=full" {
			// go vet asks this to key its cache: keep "devel ... buildID=".
			printVersion(os.Stdout)
			os.Exit(0)
		}
	}
	if underGoCommand(args) {
		// The go command's protocol (go vet -vettool, go fix -fixtool):
		// golang.org/x/tools/go/analysis/unitchecker serves it. The flags
		// registered on flag.CommandLine are those go vet accepts.
		flag.BoolVar(directive.IncludeGenerated, "generated", false, generatedUsage)
		flag.Usage = func() { usage(os.Stderr, newFlags()) }
		multichecker.Main(analyzer.Suite...)
	}
	os.Exit(standalone(args, os.Stdout, os.Stderr))
}

// underGoCommand reports whether the go command is the caller: it passes
// a .cfg file, and asks -flags to learn which flags the tool takes.
func underGoCommand(args []string) bool {
	for _, a := range args {
		if strings.HasSuffix(a, ".cfg") || a == "-flags" || a == "--flags" {
			return true
		}
	}
	return false
}

// printVersion prints what go vet parses from -V=full ("NAME version devel
// ... buildID=HASH", the hash of this executable, which keys go vet's
// cache) with the module version and VCS revision in between.
func printVersion(w io.Writer) {
	version, rev := buildVersion()
	id := "unknown"
	if exe, err := os.Executable(); err == nil {
		if data, err := os.ReadFile(exe); err == nil {
			id = fmt.Sprintf("%x", sha256.Sum256(data))
		}
	}
	fmt.Fprintf(w, "%s version devel module=%s vcs.revision=%s buildID=%s\n", filepath.Base(os.Args[0]), version, rev, id)
}

// buildVersion returns the main module's version and the VCS revision
// (with "+modified" for a dirty tree) recorded in the binary.
func buildVersion() (version, rev string) {
	version, rev = "(unknown)", "unknown"
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return
	}
	version = bi.Main.Version
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				defer func() { rev += "+modified" }()
			}
		}
	}
	return
}

// usage prints the front ends, the analyzers with their one-line
// summaries, and the standalone flags.
func usage(out io.Writer, fs *flag.FlagSet) {
	prog := filepath.Base(os.Args[0])
	fmt.Fprintf(out, `%[1]s reports net/http streaming bugs: absolute server timeouts that cut
ReverseProxy and other streams, recovery that swallows http.ErrAbortHandler, and
related mistakes.

Usage:
  go vet -vettool=$(command -v %[1]s) [-json] [-fix [-diff]] [-generated] [packages]
  go fix -fixtool=$(command -v %[1]s) [-diff] [packages]
  %[1]s [-json | -sarif] [-fix] [-diff] [-generated] [-NAME] [-NAME=false] [packages]
  %[1]s help [NAME]

Analyzers (all run by default; -NAME runs only the named ones,
-NAME=false runs all but those):

`, prog)
	list := slices.Clone(analyzer.Suite)
	slices.SortFunc(list, func(a, b *analysis.Analyzer) int { return strings.Compare(a.Name, b.Name) })
	for _, a := range list {
		fmt.Fprintf(out, "  %-16s %s\n", a.Name, summary(a.Doc))
	}
	fmt.Fprintf(out, `
Generated files (a "// Code generated ... DO NOT EDIT." line before the
package clause) are skipped, as their authors cannot act on a finding;
-generated reports them too.

A finding is silenced on purpose, on its line or the line above, with
  //streamvet:ignore <reason>
A directive without a reason, or one that silences nothing, is reported.

Exit status: 0 clean; 3 findings (1 under go vet); 1 when a package fails to
load or type-check. With -json, -sarif, -fix or go fix, findings alone exit 0;
with -diff under go vet -fix or go fix, a non-empty diff exits 1.

Flags:
`)
	// Leave out the per-analyzer switches listed above.
	shown := flag.NewFlagSet(prog, flag.ContinueOnError)
	shown.SetOutput(out)
	fs.VisitAll(func(f *flag.Flag) {
		if !slices.ContainsFunc(analyzer.Suite, func(a *analysis.Analyzer) bool { return a.Name == f.Name }) {
			shown.Var(f.Value, f.Name, f.Usage)
		}
	})
	shown.PrintDefaults()
}

// summary returns the first line of an analyzer's documentation.
func summary(doc string) string {
	first, _, _ := strings.Cut(doc, "\n")
	return strings.TrimSpace(first)
}
