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
//	streamvet [-fix] [-diff] [-json] [-NAME=false] ./...   # standalone
//
// Under go vet and go fix the go command builds each package and runs
// streamvet once per package with a .cfg file (the unitchecker protocol);
// analysis facts flow between packages through the build cache. Run on its
// own, streamvet loads the packages itself with go/packages.
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
//	streamvet -json               0      0         -              1
//	streamvet -fix                0      0         0              1
//	streamvet -diff               0      0 (prints the diff)      1
//
// Standalone, -diff implies -fix. A package that does not type-check is
// reported with its compiler errors and is not analyzed.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/multichecker"

	"github.com/streamvet/streamvet/analyzer"
)

func main() {
	flag.Usage = usage
	os.Args = append(os.Args[:1], diffImpliesFix(os.Args[1:])...)
	multichecker.Main(analyzer.Suite...)
}

// diffImpliesFix adds -fix to a standalone command line that asks for
// -diff alone, as go fix -diff does. The go command always passes both,
// and a .cfg argument means the go command is the caller.
func diffImpliesFix(args []string) []string {
	var diff, fix bool
	for _, a := range args {
		if strings.HasSuffix(a, ".cfg") {
			return args
		}
		if a == "--" || !strings.HasPrefix(a, "-") {
			break // flags end at the first package pattern
		}
		name, value, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		on := value == "" || value == "true" || value == "1"
		switch name {
		case "diff":
			diff = on
		case "fix":
			fix = true // explicit, whatever its value
		}
	}
	if diff && !fix {
		return append([]string{"-fix"}, args...)
	}
	return args
}

// usage prints the front ends, the analyzers with their one-line
// summaries, and the flags.
func usage() {
	prog := filepath.Base(os.Args[0])
	out := flag.CommandLine.Output()
	fmt.Fprintf(out, `%[1]s reports net/http streaming bugs: absolute server timeouts that cut
ReverseProxy and other streams, recovery that swallows http.ErrAbortHandler, and
related mistakes.

Usage:
  go vet -vettool=$(command -v %[1]s) [-json] [-fix [-diff]] [packages]
  go fix -fixtool=$(command -v %[1]s) [-diff] [packages]
  %[1]s [-json] [-fix] [-diff] [-NAME] [-NAME=false] [packages]
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
Exit status: 0 clean; 3 findings (1 under go vet); 1 when a package fails to
load or type-check. With -json, -fix or go fix, findings alone exit 0; with
-diff under go vet -fix or go fix, a non-empty diff exits 1.

Flags:
`)
	// Leave out the per-analyzer switches listed above and the flags kept
	// only so that old vet command lines still parse.
	fs := flag.NewFlagSet(prog, flag.ContinueOnError)
	fs.SetOutput(out)
	flag.VisitAll(func(f *flag.Flag) {
		switch {
		case slices.ContainsFunc(analyzer.Suite, func(a *analysis.Analyzer) bool { return a.Name == f.Name }):
		case strings.HasPrefix(f.Usage, "no effect"), strings.HasPrefix(f.Usage, "deprecated"):
		default:
			fs.Var(f.Value, f.Name, f.Usage)
		}
	})
	fs.PrintDefaults()
}

// summary returns the first line of an analyzer's documentation.
func summary(doc string) string {
	first, _, _ := strings.Cut(doc, "\n")
	return strings.TrimSpace(first)
}
