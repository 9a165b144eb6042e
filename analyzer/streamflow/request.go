package streamflow

import (
	"go/ast"
	"go/types"
	"strings"
)

// Handlers of any framework: a request path is a function whose
// parameters reach an http.ResponseWriter (httpsym.WriterAccess), so
// func(w, r), func(*gin.Context), func(echo.Context) error and
// func(w, r, httprouter.Params) are all handlers here, with no framework
// named.

// handlerType reports whether a value of type t serves requests: an
// http.Handler, a request-path function, or middleware (a function that
// returns one of those).
func (a *state) handlerType(t types.Type) bool {
	if t == nil {
		return false
	}
	if a.sym.IsHandler(t) {
		return true
	}
	sig, ok := t.Underlying().(*types.Signature)
	if !ok {
		return false
	}
	if a.sym.IsRequestPathSig(sig) {
		return true
	}
	return a.middlewareSig(sig)
}

// middlewareSig reports whether sig returns a handler (and takes one
// parameter or more): func(http.Handler) http.Handler,
// func(echo.HandlerFunc) echo.HandlerFunc.
func (a *state) middlewareSig(sig *types.Signature) bool {
	if sig.Params().Len() == 0 || sig.Results().Len() != 1 {
		return false
	}
	t := sig.Results().At(0).Type()
	if a.sym.IsHandler(t) {
		return true
	}
	res, ok := t.Underlying().(*types.Signature)
	return ok && a.sym.IsRequestPathSig(res)
}

// requestPath reports whether a function of signature sig runs on a
// request path: a parameter, or the receiver of a method, reaches the
// ResponseWriter (a handler, a helper that writes for its caller, a
// framework context's method such as gin's (*Context).Stream, but not
// the methods of a ResponseWriter wrapper).
func (a *state) requestPath(sig *types.Signature) bool {
	if a.sym.IsRequestPathSig(sig) {
		return true
	}
	if sig.Recv() == nil {
		return false
	}
	t := sig.Recv().Type()
	if types.Implements(t, a.sym.ResponseWriter) || types.Implements(types.NewPointer(t), a.sym.ResponseWriter) {
		// The methods of a ResponseWriter wrapper (Write, ReadFrom, Flush)
		// forward what their caller writes; they are no source of their own.
		return false
	}
	return a.sym.WriterAccess(t)
}

// writerAccess reports whether the value of e reaches the ResponseWriter.
func (a *state) writerAccess(e ast.Expr) bool {
	t := a.pass.TypesInfo.TypeOf(e)
	if t == nil {
		return false
	}
	if _, ok := t.Underlying().(*types.Signature); ok {
		return false
	}
	return a.sym.WriterAccess(t)
}

// passesWriter reports whether call hands the ResponseWriter, or a value
// that reaches it, to code of this program or a framework (not the
// standard library's writers): cg.forward(w, r), render(c), c.Stream(step).
func (a *state) passesWriter(call *ast.CallExpr, fn *types.Func) bool {
	if fn.Pkg() == nil || strings.HasPrefix(fn.Pkg().Path(), "net/http") || !a.requestPath(fn.Signature()) {
		return false
	}
	if sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr); ok && fn.Signature().Recv() != nil && a.writerAccess(sel.X) {
		return true
	}
	for _, arg := range call.Args {
		if a.writerAccess(arg) {
			return true
		}
	}
	return false
}

// isFlush reports whether call flushes the response: http.Flusher and
// http.ResponseController's Flush, or a nullary Flush method of any value
// that reaches the ResponseWriter (gin's c.Writer.Flush(), echo's
// c.Response().Flush()).
func (a *state) isFlush(call *ast.CallExpr, fn *types.Func) bool {
	if fn == nil || fn.Name() != "Flush" || fn.Signature().Params().Len() != 0 {
		return false
	}
	if fn.Pkg() != nil && fn.Pkg().Path() == "net/http" {
		return true // Flusher.Flush, ResponseController.Flush
	}
	sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	return ok && a.writerAccess(sel.X)
}
