package fixer

import (
	"go/ast"

	"golang.org/x/tools/go/analysis"
)

// ServeInline returns the fix that runs a goroutine's work on the
// goroutine that starts it: `go f(x)` loses its go keyword, and
// wg.Go(fun) becomes fun(). The caller checks that the goroutine is
// awaited right after, so the handler waited for the work anyway, and
// that the work does not signal completion by a send that would block.
// A panic in the work then unwinds the handler, where net/http recovers
// it.
func ServeInline(f *File, launch ast.Node, fun ast.Expr) (analysis.SuggestedFix, bool) {
	const msg = "serve the stream on the handler goroutine"
	switch n := launch.(type) {
	case *ast.GoStmt:
		return analysis.SuggestedFix{Message: msg, TextEdits: []analysis.TextEdit{{Pos: n.Pos(), End: n.Call.Pos()}}}, true
	case *ast.CallExpr:
		if fun == nil {
			return analysis.SuggestedFix{}, false
		}
		text := f.text(fun)
		if _, ok := ast.Unparen(fun).(*ast.FuncLit); !ok {
			switch ast.Unparen(fun).(type) {
			case *ast.Ident, *ast.SelectorExpr:
			default:
				text = "(" + text + ")"
			}
		}
		return analysis.SuggestedFix{Message: msg, TextEdits: []analysis.TextEdit{{Pos: n.Pos(), End: n.End(), NewText: []byte(text + "()")}}}, true
	}
	return analysis.SuggestedFix{}, false
}
