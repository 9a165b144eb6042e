package abortrecover

import (
	"go/ast"
	"go/token"
	"go/types"
	"strconv"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ast/inspector"
	"golang.org/x/tools/go/types/typeutil"

	"github.com/streamvet/streamvet/analyzer/internal/httpsym"
)

// MayAbort is the fact that calling a function can panic with
// http.ErrAbortHandler: it serves a handler, calls a function value that
// handles a request, or panics with the abort. Raises says it panics with
// http.ErrAbortHandler itself, as a response writer that cannot complete a
// response does; a recover that calls such a function re-raises the abort.
type MayAbort struct{ Raises bool }

func (*MayAbort) AFact() {}

func (f *MayAbort) String() string {
	if f.Raises {
		return "raises aborts"
	}
	return "may abort"
}

// AbortTest is the fact that a function returns true when its parameter
// Param holds http.ErrAbortHandler, as func isAbort(v any) bool does.
type AbortTest struct{ Param int }

func (*AbortTest) AFact() {}

func (f *AbortTest) String() string { return "tests arg" + strconv.Itoa(f.Param) + " for aborts" }

// abortInfo is what a body can do with aborts, memoized per unit.
type abortInfo struct {
	state    int  // 0 unknown, 1 busy, 2 done
	may      bool // can panic with http.ErrAbortHandler
	raises   bool // panics with http.ErrAbortHandler itself
	callback int  // 1 + the index of a func parameter it calls, or 0
}

// aborts computes what running u can do with aborts. Calls made by
// deferred or spawned functions do not count: a deferred function runs
// after the body, and a goroutine's panic never reaches net/http.
func (c *checker) aborts(u *unit) *abortInfo {
	ai := c.abortInfo[u]
	if ai == nil {
		ai = new(abortInfo)
		c.abortInfo[u] = ai
	}
	if ai.state != 0 {
		return ai // done, or busy: recursion adds nothing new
	}
	ai.state = 1
	for _, lit := range u.lits {
		if lit.deferred || lit.spawned || lit.stored {
			continue // runs later, elsewhere or on another goroutine
		}
		// A closure made here may be called here: count what it does.
		if c.escapes(lit) {
			ai.may = true
			ai.raises = ai.raises || c.aborts(lit).raises
		}
	}
	for _, call := range u.calls {
		may, raises := c.callAborts(call)
		ai.may = ai.may || may
		ai.raises = ai.raises || raises
		if ai.callback == 0 {
			if i := c.paramCalled(u, call); i >= 0 {
				ai.callback = i + 1
			}
		}
	}
	ai.state = 2
	return ai
}

// mayAbort reports whether the code of u can panic with
// http.ErrAbortHandler.
func (c *checker) mayAbort(u *unit) bool { return c.aborts(u).may }

// escapes reports whether an abort raised in u can leave it: u may abort
// and does not swallow the abort with a recover of its own.
func (c *checker) escapes(u *unit) bool { return c.mayAbort(u) && !c.defersSwallowing(u) }

// callAborts reports whether call can panic with http.ErrAbortHandler,
// and whether it raises the abort itself.
func (c *checker) callAborts(call *ast.CallExpr) (may, raises bool) {
	if tv, ok := c.info.Types[call.Fun]; ok && tv.IsType() {
		return false, false // a conversion
	}
	switch fn := typeutil.Callee(c.info, call).(type) {
	case *types.Builtin:
		if fn.Name() == "panic" && len(call.Args) == 1 && httpsym.IsErrAbortHandler(c.info, call.Args[0]) {
			return true, true
		}
		return false, false
	case *types.Func:
		if httpsym.IsMethod(fn, "net/http", "ServeMux", "ServeHTTP") {
			if may, known := c.ownMuxAborts(call); known {
				return may, false
			}
		}
		return c.funcAborts(fn)
	}
	// A function value: it aborts when it handles a request, as a handler,
	// a gin.HandlerFunc or an echo.HandlerFunc does; a callback that is
	// given neither the response nor the request (a probe, a job) does not.
	sig, _ := typeOf(c.info, call.Fun).(*types.Signature)
	if sig == nil || !c.servesRequest(sig) {
		return false, false
	}
	if c.constructorOnly(call.Fun) {
		// srv.handlerFunc(w, r) of a program's own package, set only from
		// its constructor's parameter by packages that import it: what
		// they pass is not in view here, and a program's server wrapper
		// is not judged on a guess.
		return false, false
	}
	return true, false
}

// constructorOnly reports whether fun is a func-typed field of a struct
// of this package, in a package of the program's own (main, internal/),
// whose every store is a parameter of an exported function of the
// package: s := &Server{handlerFunc: handlerFunc} in NewServer.
func (c *checker) constructorOnly(fun ast.Expr) bool {
	sel, ok := ast.Unparen(fun).(*ast.SelectorExpr)
	if !ok || c.info.Selections[sel] == nil || c.info.Selections[sel].Kind() != types.FieldVal {
		return false
	}
	field := c.info.Selections[sel].Obj().(*types.Var)
	if field.Pkg() != c.pass.Pkg || !c.ownPackage() {
		return false
	}
	param := func(e ast.Expr, at token.Pos) bool {
		id, isID := ast.Unparen(e).(*ast.Ident)
		if !isID {
			return false
		}
		v, isVar := c.info.Uses[id].(*types.Var)
		if !isVar {
			return false
		}
		for _, f := range c.pass.Files {
			for _, d := range f.Decls {
				fd, isFunc := d.(*ast.FuncDecl)
				if !isFunc || fd.Pos() > at || at >= fd.End() || !fd.Name.IsExported() {
					continue
				}
				fn, _ := c.info.Defs[fd.Name].(*types.Func)
				if fn == nil {
					return false
				}
				params := fn.Signature().Params()
				for i := range params.Len() {
					if params.At(i) == v {
						return true
					}
				}
			}
		}
		return false
	}
	stores := 0
	all := c.eachFieldStore(field, func(value ast.Expr, at token.Pos) bool {
		stores++
		return value != nil && param(value, at)
	})
	return all && stores > 0
}

// eachFieldStore calls f for every store into field in this package (a
// keyed literal, an assignment; value nil for a tuple assignment) until f
// returns false, and reports whether it never did.
func (c *checker) eachFieldStore(field *types.Var, f func(value ast.Expr, at token.Pos) bool) bool {
	ok := true
	for _, file := range c.pass.Files {
		ast.Inspect(file, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.KeyValueExpr:
				if id, isID := n.Key.(*ast.Ident); isID && c.info.Uses[id] == field {
					ok = ok && f(n.Value, n.Pos())
				}
			case *ast.AssignStmt:
				for i, l := range n.Lhs {
					if s, isSel := ast.Unparen(l).(*ast.SelectorExpr); isSel && c.info.Selections[s] != nil && c.info.Selections[s].Obj() == field {
						var value ast.Expr
						if len(n.Lhs) == len(n.Rhs) {
							value = n.Rhs[i]
						}
						ok = ok && f(value, n.Pos())
					}
				}
			}
			return ok
		})
		if !ok {
			break
		}
	}
	return ok
}

func typeOf(info *types.Info, e ast.Expr) types.Type {
	t := info.TypeOf(e)
	if t == nil {
		return nil
	}
	return t.Underlying()
}

// funcAborts reports whether calling fn can panic with
// http.ErrAbortHandler, and whether it raises the abort itself.
func (c *checker) funcAborts(fn *types.Func) (may, raises bool) {
	fn = fn.Origin()
	sig := fn.Signature()
	if recv := sig.Recv(); recv != nil && types.IsInterface(recv.Type()) {
		// An interface method: any implementation may serve a request.
		return fn.Name() == "ServeHTTP" || c.servesRequest(sig), false
	}
	if httpsym.IsMethod(fn, "net/http/httputil", "ReverseProxy", "ServeHTTP") {
		return true, false // panics with http.ErrAbortHandler when a copy fails
	}
	if fn.Pkg() == nil {
		return false, false
	}
	if fn.Pkg() == c.pass.Pkg {
		if d := c.decls[fn]; d != nil {
			return c.escapes(d), c.escapes(d) && c.aborts(d).raises
		}
		return false, false // no body
	}
	if fn.Pkg().Path() == "net/http" {
		// net/http is not analyzed (it does not import itself): its
		// ServeHTTP methods run handlers; nothing else in it panics with
		// the abort.
		return fn.Name() == "ServeHTTP", false
	}
	var f MayAbort
	if c.pass.ImportObjectFact(fn, &f) {
		return true, f.Raises
	}
	return false, false
}

// servesRequest reports whether a function of signature sig handles a
// request: some parameter gives access to an http.ResponseWriter.
func (c *checker) servesRequest(sig *types.Signature) bool {
	return c.sym.IsHandlerSig(sig) || c.sym.IsRequestPathSig(sig)
}

// paramCalled returns the index of the func-typed parameter of u that call
// calls, or -1.
func (c *checker) paramCalled(u *unit, call *ast.CallExpr) int {
	id, ok := ast.Unparen(call.Fun).(*ast.Ident)
	if !ok {
		return -1
	}
	v, ok := c.info.Uses[id].(*types.Var)
	if !ok {
		return -1
	}
	for i := range u.sig.Params().Len() {
		if u.sig.Params().At(i) == v {
			return i
		}
	}
	return -1
}

// argAborts reports whether the function value e, passed as an argument,
// can panic with http.ErrAbortHandler when called.
func (c *checker) argAborts(e ast.Expr) bool {
	switch e := ast.Unparen(e).(type) {
	case *ast.FuncLit:
		u := c.byNode[e]
		return u != nil && c.escapes(u)
	case *ast.Ident, *ast.SelectorExpr:
		if fn, ok := c.info.Uses[identOf(e)].(*types.Func); ok {
			may, _ := c.funcAborts(fn)
			return may
		}
	}
	sig, _ := typeOf(c.info, e).(*types.Signature)
	return sig != nil && c.servesRequest(sig)
}

// abortTest returns the parameter fn tests for http.ErrAbortHandler, or -1.
func (c *checker) abortTest(fn *types.Func) int {
	fn = fn.Origin()
	if i, ok := c.abortTests[fn]; ok {
		return i
	}
	c.abortTests[fn] = -1
	if fn.Pkg() != c.pass.Pkg {
		var f AbortTest
		if fn.Pkg() != nil && c.pass.ImportObjectFact(fn, &f) {
			c.abortTests[fn] = f.Param
		}
		return c.abortTests[fn]
	}
	u := c.decls[fn]
	if u == nil || u.sig.Results().Len() != 1 || !types.Identical(u.sig.Results().At(0).Type(), types.Typ[types.Bool]) {
		return -1 // not a predicate
	}
	for i := range u.sig.Params().Len() {
		p := u.sig.Params().At(i)
		if _, ok := p.Type().Underlying().(*types.Interface); !ok {
			continue // cannot hold an abort
		}
		if c.returnsTrueForAbort(u, p) {
			c.abortTests[fn] = i
			break
		}
	}
	return c.abortTests[fn]
}

// returnsTrueForAbort reports whether the predicate u returns true when p
// holds http.ErrAbortHandler: return v == http.ErrAbortHandler, return
// errors.Is(err, http.ErrAbortHandler), or return true under such a test.
func (c *checker) returnsTrueForAbort(u *unit, p *types.Var) bool {
	t := newTracker(c.info, nil, c.rePanicParam, c.abortTest, c.raisesAbort)
	t.vals[p] = true
	body := u.bodyCur()
	t.bind(body)
	found := false
	body.Inspect([]ast.Node{(*ast.ReturnStmt)(nil), (*ast.FuncLit)(nil)}, func(k inspector.Cursor) bool {
		ret, ok := k.Node().(*ast.ReturnStmt)
		if !ok || found {
			return false // a literal's returns are its own
		}
		if len(ret.Results) != 1 {
			return false
		}
		r := ret.Results[0]
		if t.mentionsAbort(r) && t.abortTrue(r) {
			found = true // return errors.Is(err, http.ErrAbortHandler)
		} else if tv := c.info.Types[r]; tv.Value != nil && tv.Value.String() == "true" && t.reached(k, body) {
			found = true // if v == http.ErrAbortHandler { return true }
		}
		return false
	})
	return found
}

// raisesAbort reports whether calling fn panics with http.ErrAbortHandler
// itself on some path.
func (c *checker) raisesAbort(fn *types.Func) bool {
	if recv := fn.Signature().Recv(); recv != nil && types.IsInterface(recv.Type()) {
		// An interface method, as rw.finalizeResponse() on a wrapper
		// interface: it raises when an implementation in this package does.
		iface, _ := recv.Type().Underlying().(*types.Interface)
		for m, d := range c.decls {
			r := m.Signature().Recv()
			if r == nil || m.Name() != fn.Name() || iface == nil || !types.Implements(r.Type(), iface) {
				continue
			}
			if c.aborts(d).raises {
				return true
			}
		}
		return false
	}
	_, raises := c.funcAborts(fn)
	return raises
}

// Hijacks is the fact that a function takes over the connection of the
// request it is given (a websocket upgrade): net/http writes no response
// after that, so a recover there cannot make a cut response look complete.
type Hijacks struct{}

func (*Hijacks) AFact() {}

func (*Hijacks) String() string { return "hijacks" }

// hijacks reports whether u takes over its connection: it calls a Hijack
// method that returns the net.Conn, or a function that does.
func (c *checker) hijacks(u *unit) bool {
	if v, ok := c.hijack[u]; ok {
		return v
	}
	c.hijack[u] = false // recursion adds nothing
	res := false
	for _, call := range u.calls {
		fn, ok := typeutil.Callee(c.info, call).(*types.Func)
		if !ok {
			continue
		}
		fn = fn.Origin()
		switch {
		case fn.Name() == "Hijack" && returnsConn(fn.Signature()):
			res = true
		case fn.Name() == "ServeHTTP":
			// A handler hijacks only for some requests (a proxy's upgrades).
		case fn.Pkg() == c.pass.Pkg:
			if d := c.decls[fn]; d != nil && c.hijacks(d) {
				res = true
			}
		case fn.Pkg() != nil:
			res = c.pass.ImportObjectFact(fn, new(Hijacks))
		}
		if res {
			break
		}
	}
	c.hijack[u] = res
	return res
}

func returnsConn(sig *types.Signature) bool {
	return sig.Results().Len() > 0 && httpsym.IsNamed(sig.Results().At(0).Type(), "net", "Conn")
}

// servesDirectly reports whether u calls a ServeHTTP method or a
// ReverseProxy itself: such a body aborts on paths that do not hijack.
func (c *checker) servesDirectly(u *unit) bool {
	for _, call := range u.calls {
		if fn, ok := typeutil.Callee(c.info, call).(*types.Func); ok && fn.Name() == "ServeHTTP" {
			return true
		}
	}
	return false
}

// checkCallbacks reports the recovers of functions in this package that
// u calls with a function that can abort, when they guard nothing else:
// func safely(f func()) { defer swallow(); f() } called as
// safely(func() { proxy.ServeHTTP(w, r) }).
func (c *checker) checkCallbacks(u *unit) {
	for _, call := range u.calls {
		fn := c.staticCallee(call)
		if fn == nil || fn.Pkg() != c.pass.Pkg {
			continue
		}
		d := c.decls[fn]
		if d == nil {
			continue
		}
		cb := c.callbackGuard(d)
		if cb == 0 || cb > len(call.Args) || !c.argAborts(call.Args[cb-1]) {
			continue // guards nothing that can abort
		}
		for _, dd := range d.defers {
			sites, _, _ := c.deferSwallows(dd)
			for _, s := range sites {
				c.reportSite(s, "the function deferred by "+c.describe(d), d, []analysis.RelatedInformation{{Pos: call.Pos(), Message: "called here with a function that can abort"}})
			}
		}
	}
}
