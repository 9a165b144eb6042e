package streamflow

// The ResponseWriter a handler gets: whether a deadline clear whose error
// is ignored takes effect (nothing wraps the server's own writer), and
// helpers that flush it.

import (
	"go/ast"
	"go/types"

	"github.com/streamvet/streamvet/analyzer/internal/httpsym"
)

// wrapped is s behind code that may wrap the ResponseWriter: a deadline
// clear whose error is ignored may fail there.
func (s *Stream) wrapped() *Stream {
	if s == nil || s.Unwrapped == 0 {
		return s
	}
	c := *s
	c.Unwrapped = 0
	return &c
}

func (f flow) wrapped() flow {
	f.s = f.s.wrapped()
	return f
}

// flushHelper reports whether fn, declared in this package, flushes the
// response on every call: a Flush among the statements of its body.
func (a *state) flushHelper(fn *types.Func) bool {
	fn = fn.Origin()
	decl := a.decls[fn]
	if decl == nil {
		return false
	}
	key := flushKey{fn}
	if done, ok := a.flushers[fn]; ok {
		return done
	}
	if a.busy[key] {
		return false
	}
	a.busy[key] = true
	defer delete(a.busy, key)
	flushes := false
	for _, stmt := range decl.Body.List {
		es, ok := stmt.(*ast.ExprStmt)
		if !ok {
			continue
		}
		call, ok := ast.Unparen(es.X).(*ast.CallExpr)
		if !ok {
			continue
		}
		callee, _ := httpsym.Callee(a.pass.TypesInfo, call).(*types.Func)
		if a.isFlush(call, callee) || callee != nil && callee.Pkg() == a.pass.Pkg && a.flushHelper(callee) {
			flushes = true
			break
		}
	}
	a.flushers[fn] = flushes
	return flushes
}

type flushKey struct{ fn *types.Func }

// passing is what a handler call passes on: the callee's stream, behind
// a wrapper unless the call hands on the writer it got.
func (a *state) passing(call *ast.CallExpr, f flow) flow {
	for _, arg := range call.Args {
		if a.ownWriter(arg) {
			return f
		}
	}
	return f.wrapped()
}

// ownWriter reports whether e is the http.ResponseWriter parameter of
// the handler it is used in, never reassigned.
func (a *state) ownWriter(e ast.Expr) bool {
	id, ok := ast.Unparen(e).(*ast.Ident)
	if !ok {
		return false
	}
	v, ok := a.pass.TypesInfo.Uses[id].(*types.Var)
	return ok && a.params[v] && httpsym.IsNamed(v.Type(), "net/http", "ResponseWriter") && len(a.assigns[v]) == 0
}

// controllerWriter returns the writer that the ResponseController whose
// method call is made was created for, or nil:
// http.NewResponseController(w).SetWriteDeadline(t), or rc.SetWriteDeadline(t)
// after rc := http.NewResponseController(w).
func (a *state) controllerWriter(call *ast.CallExpr) ast.Expr {
	info := a.pass.TypesInfo
	sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	if !ok {
		return nil
	}
	recv := ast.Unparen(sel.X)
	if v := a.varOf(recv); v != nil && len(a.assigns[v]) == 1 {
		recv = ast.Unparen(a.assigns[v][0])
	}
	if c, ok := recv.(*ast.CallExpr); ok && httpsym.CalleeIs(info, c, "net/http", "NewResponseController") && len(c.Args) == 1 {
		return c.Args[0]
	}
	return nil
}
