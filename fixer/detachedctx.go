package fixer

import (
	"go/ast"

	"golang.org/x/tools/go/analysis"
)

// KeepRequestValues returns the fix that replaces call, a
// context.Background() or context.TODO() call (or context.WithoutCancel of
// one) that becomes the context of a request served to a ReverseProxy, with
// context.WithoutCancel(req.Context()): the context keeps the server's
// values, so the proxy again aborts a broken stream visibly, and it is
// still never canceled, as the author intended.
func KeepRequestValues(f *File, call *ast.CallExpr, req string) (analysis.SuggestedFix, bool) {
	var qual string
	switch fun := ast.Unparen(call.Fun).(type) {
	case *ast.SelectorExpr:
		qual = f.text(fun.X) + "."
	case *ast.Ident:
		// context is dot-imported
	default:
		return analysis.SuggestedFix{}, false
	}
	text := qual + "WithoutCancel(" + req + ".Context())"
	return analysis.SuggestedFix{
		Message:   "keep the request's values with " + text,
		TextEdits: []analysis.TextEdit{{Pos: call.Pos(), End: call.End(), NewText: []byte(text)}},
	}, true
}
