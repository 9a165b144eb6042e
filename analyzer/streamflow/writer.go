package streamflow

// The ResponseWriter a handler gets: whether a deadline clear whose error
// is ignored takes effect (nothing wraps the server's own writer), and
// helpers that flush it.

import (
	"go/ast"
	"go/token"
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

// fromWriter reports whether the value of e writes to the ResponseWriter:
// the writer itself, a writer type whose fields reach it (a
// flushWriter{w} whose Write writes and flushes), or a writer built
// around one (bufio.NewWriter(w), io.MultiWriter(w, h), gzip.NewWriter(w),
// &flushWriter{w: w}), directly or through a local variable. Copying a
// large body into such a writer streams the response as copying into w
// does.
func (a *state) fromWriter(e ast.Expr) bool { return a.fromWriterDepth(e, 0) }

func (a *state) fromWriterDepth(e ast.Expr, depth int) bool {
	if e == nil || depth > 4 {
		return false
	}
	info := a.pass.TypesInfo
	t := info.TypeOf(e)
	if t == nil {
		return false
	}
	if a.isResponseWriter(e) {
		return true
	}
	if isWriter(t) && a.writerAccess(e) {
		return true // a writer type holding the ResponseWriter
	}
	switch x := ast.Unparen(e).(type) {
	case *ast.Ident:
		v := a.varOf(x)
		if v == nil || v.IsField() {
			return false
		}
		for _, rhs := range a.assigns[v] {
			if a.fromWriterDepth(rhs, depth+1) {
				return true
			}
		}
	case *ast.UnaryExpr:
		if x.Op == token.AND {
			return a.fromWriterDepth(x.X, depth+1)
		}
	case *ast.CompositeLit:
		if !isWriter(t) && !isWriter(types.NewPointer(t)) {
			return false
		}
		for _, elt := range x.Elts {
			if kv, ok := elt.(*ast.KeyValueExpr); ok {
				elt = kv.Value
			}
			if a.fromWriterDepth(elt, depth+1) {
				return true
			}
		}
	case *ast.CallExpr:
		if tv, ok := info.Types[x.Fun]; ok && tv.IsType() && len(x.Args) == 1 {
			return a.fromWriterDepth(x.Args[0], depth+1) // a conversion
		}
		if !isWriter(t) {
			return false // the result writes nowhere: a hash, a count
		}
		for _, arg := range x.Args {
			if a.fromWriterDepth(arg, depth+1) {
				return true
			}
		}
	}
	return false
}

// isWriter reports whether t has io.Writer's Write method.
func isWriter(t types.Type) bool {
	obj, _, _ := types.LookupFieldOrMethod(t, true, nil, "Write")
	fn, ok := obj.(*types.Func)
	if !ok {
		return false
	}
	sig := fn.Signature()
	if sig.Params().Len() != 1 || sig.Results().Len() != 2 {
		return false
	}
	s, ok := sig.Params().At(0).Type().(*types.Slice)
	if !ok {
		return false
	}
	b, ok := s.Elem().(*types.Basic)
	return ok && b.Kind() == types.Byte
}
