package directive

import (
	_ "embed"
	"go/token"
	"strings"

	"golang.org/x/tools/go/analysis"

	"github.com/streamvet/streamvet/analyzer/abortrecover"
	"github.com/streamvet/streamvet/analyzer/ctxdetach"
	"github.com/streamvet/streamvet/analyzer/internal/httpsym"
	"github.com/streamvet/streamvet/analyzer/proxygoroutine"
	"github.com/streamvet/streamvet/analyzer/timeouthandler"
	"github.com/streamvet/streamvet/analyzer/writetimeout"
)

//go:embed doc.go
var doc string

// Analyzer reports malformed and unused //streamvet: directives.
var Analyzer = &analysis.Analyzer{
	Name: "directive",
	Doc:  httpsym.ExtractDoc(doc, "directive"),
	URL:  "https://github.com/streamvet/streamvet/blob/main/analyzer/directive/doc.go",
	// Every check that reports through httpsym.Report: their findings on
	// the package are all known when this one runs.
	Requires: []*analysis.Analyzer{
		writetimeout.Analyzer,
		ctxdetach.Analyzer,
		timeouthandler.Analyzer,
		abortrecover.Analyzer,
		proxygoroutine.Analyzer,
	},
	Run: run,
}

// IncludeGenerated is the -generated flag's value: when set, findings in
// generated files are reported too.
var IncludeGenerated = &httpsym.IncludeGenerated

// IsGenerated reports whether findings in f are skipped as generated.
var IsGenerated = httpsym.Generated

func run(pass *analysis.Pass) (any, error) {
	for _, f := range pass.Files {
		used := httpsym.UsedDirectives(f)
		if httpsym.Generated(f) {
			continue // its findings are not reported, nor are its directives
		}
		if strings.HasSuffix(pass.Fset.File(f.FileStart).Name(), "_test.go") {
			continue // findings in tests are not reported (httpsym.Report): no directive there can match one
		}
		for _, d := range httpsym.Directives(pass.Fset, f) {
			var msg string
			var fixes []analysis.SuggestedFix
			switch {
			case d.Spaced > 0:
				msg = "a space after // makes this a comment, not a directive, and it silences nothing: write //streamvet:ignore"
				fixes = []analysis.SuggestedFix{{
					Message:   "remove the space after //",
					TextEdits: []analysis.TextEdit{{Pos: d.Pos + 2, End: d.Pos + 2 + token.Pos(d.Spaced)}},
				}}
			case d.Verb != "ignore":
				msg = "unknown directive " + httpsym.DirectivePrefix + d.Verb + ": the only one is //streamvet:ignore <reason>"
			case d.Rest == "":
				msg = "//streamvet:ignore needs a reason after it: without one it silences nothing"
			case !used[d.Line]:
				msg = "//streamvet:ignore matches no finding on this line or the next: remove it"
			default:
				continue
			}
			end := d.Pos + token.Pos(d.Spaced+len(httpsym.DirectivePrefix)+len(d.Verb))
			pass.Report(analysis.Diagnostic{Pos: d.Pos, End: end, Message: msg, SuggestedFixes: fixes})
		}
	}
	return nil, nil
}
