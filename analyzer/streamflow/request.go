package streamflow

import (
	"go/ast"
	"go/constant"
	"go/token"
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
	return ok && (a.writerAccess(sel.X) || a.fromWriter(sel.X)) // bw.Flush() of bw := bufio.NewWriter(w)
}

// streamsOnError reports whether the error of a deadline-clearing call is
// checked but the handler goes on streaming when it fails:
//
//	if err := rc.SetWriteDeadline(time.Time{}); err != nil {
//		log.Print(err)
//	}
//
// stack holds the ancestors of call, outermost first. Only an error branch
// seen not to leave the handler counts; any other use of the error is
// taken as handling it.
func streamsOnError(stack []ast.Node, call *ast.CallExpr) bool {
	for i := len(stack) - 1; i >= 0; i-- {
		switch n := stack[i].(type) {
		case *ast.IfStmt:
			// if err := rc.SetWriteDeadline(…); err != nil {…}, or the
			// call in the condition itself.
			return !terminates(n.Body)
		case *ast.AssignStmt:
			if i > 0 {
				if ifs, ok := stack[i-1].(*ast.IfStmt); ok && ifs.Init == n {
					return !terminates(ifs.Body) // if err := rc.SetWriteDeadline(…); err != nil {…}
				}
			}
			// err := rc.SetWriteDeadline(…), checked by the next statement.
			if i == 0 || len(n.Lhs) != 1 {
				return false
			}
			id, ok := n.Lhs[0].(*ast.Ident)
			blk, isBlock := stack[i-1].(*ast.BlockStmt)
			if !ok || !isBlock {
				return false
			}
			for j, st := range blk.List {
				if st != n || j+1 >= len(blk.List) {
					continue
				}
				if next, ok := blk.List[j+1].(*ast.IfStmt); ok && mentions(next.Cond, id.Name) {
					return !terminates(next.Body)
				}
			}
			return false
		case *ast.FuncLit, *ast.FuncDecl, *ast.BlockStmt, *ast.ExprStmt:
			return false
		}
	}
	return false
}

// terminates reports whether a block leaves the code that follows it:
// it ends in return, panic, a branch, or a Fatal/Exit call.
func terminates(b *ast.BlockStmt) bool {
	if b == nil || len(b.List) == 0 {
		return false
	}
	switch st := b.List[len(b.List)-1].(type) {
	case *ast.ReturnStmt, *ast.BranchStmt:
		return true
	case *ast.ExprStmt:
		call, ok := st.X.(*ast.CallExpr)
		if !ok {
			return false
		}
		switch fun := ast.Unparen(call.Fun).(type) {
		case *ast.Ident:
			return fun.Name == "panic"
		case *ast.SelectorExpr:
			return strings.HasPrefix(fun.Sel.Name, "Fatal") || fun.Sel.Name == "Exit" || strings.HasPrefix(fun.Sel.Name, "Panic")
		}
	}
	return false
}

func mentions(e ast.Expr, name string) bool {
	found := false
	ast.Inspect(e, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok && id.Name == name {
			found = true
		}
		return !found
	})
	return found
}

// unknownMiddleware evaluates a call of a middleware whose code is not
// known statically: a factory's result, otelhttp.NewMiddleware(op)(h), or
// a func value, m(h) over a slice of middleware. It is taken to pass its
// handler arguments on, as middleware does.
func (a *state) unknownMiddleware(call *ast.CallExpr, en *env) flow {
	sig, ok := typeOf(a.pass.TypesInfo, call.Fun).Underlying().(*types.Signature)
	if !ok || !a.middlewareSig(sig) {
		return flow{}
	}
	var f flow
	for _, arg := range call.Args {
		if a.handlerType(a.pass.TypesInfo.TypeOf(arg)) {
			f = f.join(a.eval(arg, en).via(call.Pos(), "wrapped by "+types.ExprString(call.Fun)))
		}
	}
	return f
}

// bodilessOnly reports whether body turns away every request but GET and
// HEAD before it does anything else of note: if r.Method != http.MethodGet
// { http.Error(...); return }. Nothing it runs reads an upload.
func (a *state) bodilessOnly(body *ast.BlockStmt) bool {
	for _, stmt := range body.List {
		ifs, ok := stmt.(*ast.IfStmt)
		if !ok || ifs.Init != nil || ifs.Else != nil || !terminates(ifs.Body) {
			continue
		}
		if a.notBodiless(ifs.Cond) {
			return true
		}
	}
	return false
}

// notBodiless reports whether cond holds exactly for requests other than
// GET (and HEAD): r.Method != "GET", or with && r.Method != "HEAD".
func (a *state) notBodiless(cond ast.Expr) bool {
	be, ok := ast.Unparen(cond).(*ast.BinaryExpr)
	if !ok {
		return false
	}
	switch be.Op {
	case token.LAND:
		return a.notBodiless(be.X) && a.notBodiless(be.Y)
	case token.NEQ:
		method, value := be.X, be.Y
		if a.pass.TypesInfo.Types[method].Value != nil {
			method, value = value, method // "GET" != r.Method
		}
		sel, ok := ast.Unparen(method).(*ast.SelectorExpr)
		if !ok || sel.Sel.Name != "Method" || !a.sym.IsRequest(a.pass.TypesInfo.TypeOf(sel.X)) {
			return false
		}
		tv := a.pass.TypesInfo.Types[value]
		if tv.Value == nil || tv.Value.Kind() != constant.String {
			return false
		}
		m := constant.StringVal(tv.Value)
		return m == "GET" || m == "HEAD"
	}
	return false
}
