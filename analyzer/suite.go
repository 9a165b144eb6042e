// Package analyzer lists the streamvet checks.
package analyzer

import (
	"golang.org/x/tools/go/analysis"

	"github.com/streamvet/streamvet/analyzer/abortrecover"
	"github.com/streamvet/streamvet/analyzer/ctxdetach"
	"github.com/streamvet/streamvet/analyzer/directive"
	"github.com/streamvet/streamvet/analyzer/proxygoroutine"
	"github.com/streamvet/streamvet/analyzer/timeouthandler"
	"github.com/streamvet/streamvet/analyzer/writetimeout"
)

// Suite is the list of checks every front end runs: the vet tool, the fix
// tool, the standalone command and the golangci-lint plugin. streamflow is
// not listed: it reports nothing and runs as a requirement of the others.
// directive comes last: it reports the //streamvet:ignore directives that
// the findings of the others leave unused.
var Suite = []*analysis.Analyzer{
	writetimeout.Analyzer,
	ctxdetach.Analyzer,
	timeouthandler.Analyzer,
	abortrecover.Analyzer,
	proxygoroutine.Analyzer,
	directive.Analyzer,
}
