package abortrecover

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ast/edge"
	"golang.org/x/tools/go/ast/inspector"

	"github.com/streamvet/streamvet/analyzer/streamflow"
	"github.com/streamvet/streamvet/fixer"
)

// busy marks a function whose recoveryKind is being computed.
const busy Kind = 255

// recoveryKind reports whether fn returns a recovery handler (RecoveryHandler),
// as gin.Recovery does, or a router with one installed
// (RecoveringRouter), as gin.Default does; or 0.
func (c *checker) recoveryKind(fn *types.Func) Kind {
	fn = fn.Origin()
	if fn.Pkg() != c.pass.Pkg {
		if f := c.fact(fn); f != nil && (f.Kind == RecoveryHandler || f.Kind == RecoveringRouter) {
			return f.Kind
		}
		return 0
	}
	if k, ok := c.recoveries[fn]; ok {
		if k == busy {
			return 0 // recursion adds nothing
		}
		return k
	}
	c.recoveries[fn] = busy
	var k Kind
	if u := c.decls[fn]; u != nil && u.sig.Results().Len() == 1 {
		k = c.bodyRecovery(u)
	}
	c.recoveries[fn] = k
	return k
}

func (c *checker) bodyRecovery(u *unit) Kind {
	result := u.sig.Results().At(0).Type()
	for _, ret := range u.returns() {
		if len(ret.Results) == 1 && c.swallowingValue(ret.Results[0]) {
			if sig, ok := result.Underlying().(*types.Signature); ok && c.servesRequest(sig) || c.sym.IsHandler(result) || c.chainHandler(result) {
				return RecoveryHandler
			}
		}
	}
	if len(u.returns()) > 0 && c.returnsRecoveringVar(u) {
		return RecoveringRouter // return router, a package variable set to gin.Default()
	}
	// A router built here with recovery installed on it: r.Use(Recovery()).
	for _, call := range u.calls {
		sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
		if !ok || !types.Identical(typeOf(c.info, sel.X), result.Underlying()) && !types.Identical(c.info.TypeOf(sel.X), result) {
			continue
		}
		for _, arg := range call.Args {
			if c.swallowingValue(arg) {
				return RecoveringRouter
			}
		}
	}
	return 0
}

// plainBuilder returns, for a function u that builds a router and installs
// recovery on it, the function of its package that builds the same router
// without (called with u's own signature, so that a call can switch), the
// nullary functions of its package whose middleware u installs besides,
// and the one whose middleware is the recovery; or "" when u does
// anything else to the router.
func (c *checker) plainBuilder(u *unit) (plain string, keep []string, recovery string) {
	result := u.sig.Results().At(0).Type()
	pkgFunc := func(e ast.Expr) *types.Func {
		call, ok := ast.Unparen(e).(*ast.CallExpr)
		if !ok || len(call.Args) > 0 {
			return nil
		}
		fn := c.staticCallee(call)
		if fn == nil || fn.Pkg() != c.pass.Pkg || fn.Signature().Recv() != nil {
			return nil
		}
		return fn
	}
	for _, call := range u.calls {
		sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
		if !ok || !types.Identical(c.info.TypeOf(sel.X), result) {
			continue
		}
		var k []string
		var rec string
		for _, arg := range call.Args {
			fn := pkgFunc(arg)
			switch {
			case fn == nil:
				return "", nil, ""
			case c.swallowingValue(arg):
				rec = fn.Name()
			default:
				k = append(k, fn.Name())
			}
		}
		if rec == "" {
			continue // not the call that installs the recovery
		}
		id, ok := ast.Unparen(sel.X).(*ast.Ident)
		if !ok {
			return "", nil, ""
		}
		v, ok := c.info.Uses[id].(*types.Var)
		if !ok {
			return "", nil, ""
		}
		def := c.definingCall(v)
		if def == nil {
			return "", nil, ""
		}
		base := c.staticCallee(def)
		if base == nil || base.Pkg() != c.pass.Pkg || base.Signature().Recv() != nil || !base.Exported() ||
			!types.Identical(base.Signature(), u.fn.Signature()) || c.recoveryKind(base) != 0 {
			return "", nil, ""
		}
		return base.Name(), k, rec
	}
	return "", nil, ""
}

// buildsRecoveringRouter reports whether fn, declared in this package,
// installs recovery middleware from another package on the router it
// returns, which routes to no proxy yet: the routes its callers add are
// checked at each call, as for gin.Default. (The program's own recovery
// is reported at its recover; a router that already routes to a proxy,
// at the install.)
func (c *checker) buildsRecoveringRouter(fn *types.Func) bool {
	u := c.decls[fn.Origin()]
	if u == nil || u.sig.Results().Len() != 1 {
		return false
	}
	for _, ret := range u.returns() {
		if len(ret.Results) != 1 || c.flows.Handler(ret.Results[0]).Proxied() != nil {
			return false
		}
	}
	result := u.sig.Results().At(0).Type()
	for _, call := range u.calls {
		sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
		if !ok || !types.Identical(c.info.TypeOf(sel.X), result) {
			continue
		}
		for _, arg := range call.Args {
			if c.recoveryArg(arg) != "" {
				return true
			}
		}
	}
	return false
}

// chainHandler reports whether t has a method that serves a request and
// calls the next handler of a chain, as negroni's Handler does:
// ServeHTTP(w, r, next).
func (c *checker) chainHandler(t types.Type) bool {
	obj, _, _ := types.LookupFieldOrMethod(t, true, nil, "ServeHTTP")
	fn, ok := obj.(*types.Func)
	return ok && c.servesRequest(fn.Signature())
}

// swallowingValue reports whether e is a handler value that recovers the
// panics of what it runs without re-panicking aborts: a handler literal
// that guards its chain (func(c *gin.Context) { defer ...; c.Next() }),
// a value of a type whose ServeHTTP guards, or a call that returns one.
func (c *checker) swallowingValue(e ast.Expr) bool {
	switch e := ast.Unparen(e).(type) {
	case *ast.FuncLit:
		u := c.byNode[e]
		return u != nil && c.servesRequest(u.sig) && c.guards(u)
	case *ast.CallExpr:
		if tv, ok := c.info.Types[e.Fun]; ok && tv.IsType() && len(e.Args) == 1 {
			return c.swallowingValue(e.Args[0]) // a conversion
		}
		fn := c.staticCallee(e)
		if fn == nil {
			return false
		}
		if i := c.passThrough(fn); i >= 0 && i < len(e.Args) {
			return c.swallowingValue(e.Args[i]) // returns its argument: parseOptions(h, opts...)
		}
		if c.recoveryKind(fn) == RecoveryHandler {
			return true
		}
		return c.typeGuards(c.info.TypeOf(e)) // negroni.NewRecovery() returns a *Recovery
	case *ast.Ident:
		// fn := func(w, r) {...}; return http.HandlerFunc(fn)
		if v, ok := c.info.Uses[e].(*types.Var); ok {
			if lit := c.litOf(v); lit != nil {
				return c.swallowingValue(lit)
			}
		}
	}
	return c.swallowingHandler(e)
}

// litOf returns the function literal that the local variable v is
// declared with (fn := func(...) {...}), or nil.
func (c *checker) litOf(v *types.Var) *ast.FuncLit {
	if c.lits == nil {
		c.lits = make(map[*types.Var]*ast.FuncLit)
		for _, u := range c.units {
			if u.lit == nil {
				continue
			}
			as, ok := u.cur.Parent().Node().(*ast.AssignStmt)
			if !ok || as.Tok != token.DEFINE || len(as.Lhs) != len(as.Rhs) {
				continue
			}
			for i, r := range as.Rhs {
				if r == u.lit {
					if id, ok := as.Lhs[i].(*ast.Ident); ok {
						if lv, ok := c.info.Defs[id].(*types.Var); ok {
							c.lits[lv] = u.lit
						}
					}
				}
			}
		}
	}
	return c.lits[v]
}

// passThrough returns the parameter that every return of fn hands back
// unchanged, or -1.
func (c *checker) passThrough(fn *types.Func) int {
	u := c.decls[fn.Origin()]
	if u == nil || u.sig.Results().Len() != 1 {
		return -1
	}
	idx := -1
	for _, ret := range u.returns() {
		if len(ret.Results) != 1 {
			return -1
		}
		id, ok := ast.Unparen(ret.Results[0]).(*ast.Ident)
		if !ok {
			return -1
		}
		i := c.paramIndex(u, c.info.Uses[id])
		if i < 0 || idx >= 0 && i != idx {
			return -1
		}
		idx = i
	}
	return idx
}

func (c *checker) paramIndex(u *unit, obj types.Object) int {
	for i := range u.sig.Params().Len() {
		if u.sig.Params().At(i) == obj {
			return i
		}
	}
	return -1
}

// mayServe reports whether a value of type t may be installed as
// middleware: a handler, a chain handler, or a function.
func (c *checker) mayServe(t types.Type) bool {
	if _, ok := t.Underlying().(*types.Signature); ok {
		return true
	}
	return c.sym.IsHandler(t) || c.chainHandler(t)
}

// definingCall returns the call that the local variable v is declared
// with (v := f() or var v = f()) when nothing else is assigned to v, or nil.
func (c *checker) definingCall(v *types.Var) *ast.CallExpr {
	if v.IsField() || v.Parent() == nil || v.Parent() == v.Pkg().Scope() {
		return nil
	}
	id, ok := c.insp.Root().FindByPos(v.Pos(), v.Pos()+token.Pos(len(v.Name())))
	if !ok {
		return nil
	}
	call, ok := ast.Unparen(definition(id)).(*ast.CallExpr)
	if !ok {
		return nil
	}
	if c.reassigned == nil {
		c.reassigned = make(map[*types.Var]bool)
		for cur := range c.insp.Root().Preorder((*ast.AssignStmt)(nil)) {
			as := cur.Node().(*ast.AssignStmt)
			if as.Tok == token.DEFINE {
				continue
			}
			for _, l := range as.Lhs {
				if l, ok := ast.Unparen(l).(*ast.Ident); ok {
					if lv, ok := c.info.Uses[l].(*types.Var); ok {
						c.reassigned[lv] = true
					}
				}
			}
		}
	}
	if c.reassigned[v] {
		return nil // reassigned: which value it holds is not known
	}
	return call
}

// definition returns the value the identifier at cur is declared with,
// or nil.
func definition(cur inspector.Cursor) ast.Expr {
	id, ok := cur.Node().(*ast.Ident)
	if !ok {
		return nil
	}
	switch p := cur.Parent().Node().(type) {
	case *ast.AssignStmt:
		if len(p.Lhs) == len(p.Rhs) {
			for i, l := range p.Lhs {
				if l == id {
					return p.Rhs[i]
				}
			}
		}
	case *ast.ValueSpec:
		if len(p.Names) == len(p.Values) {
			for i, n := range p.Names {
				if n == id {
					return p.Values[i]
				}
			}
		}
	}
	return nil
}

// recoveryArg names the recovery middleware that the argument e installs,
// or returns "": a middleware function from another package, a call to a
// factory of middleware, or a recovery handler built by a call.
func (c *checker) recoveryArg(e ast.Expr) string {
	switch a := ast.Unparen(e).(type) {
	case *ast.Ident, *ast.SelectorExpr:
		if fn, ok := c.info.Uses[identOf(a)].(*types.Func); ok && fn.Pkg() != c.pass.Pkg && c.middleware(fn) == Middleware {
			return qualified(fn)
		}
		if v, ok := c.info.Uses[identOf(a)].(*types.Var); ok && c.mayServe(v.Type()) {
			// recovery := negroni.NewRecovery(); recovery.Logger = l;
			// negroni.New(recovery, ...)
			if call := c.definingCall(v); call != nil {
				return c.recoveryArg(call)
			}
		}
	case *ast.CallExpr:
		fn := c.staticCallee(a)
		if fn == nil || fn.Pkg() == c.pass.Pkg {
			return "" // the program's own recovers are reported where they are
		}
		if c.middleware(fn) == Factory {
			return "the middleware of " + qualified(fn)
		}
		if c.swallowingValue(a) {
			return qualified(fn)
		}
	}
	return ""
}

// checkInstall reports recovery middleware from another package installed
// on a router that routes to a stream: r.Use(mw), r.Use(gin.Recovery()),
// negroni.New(negroni.NewRecovery()), and a router built with recovery
// installed, as gin.Default() is.
func (c *checker) checkInstall(cur inspector.Cursor) {
	call := cur.Node().(*ast.CallExpr)
	var router ast.Expr
	if sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr); ok && c.info.Selections[sel] != nil && c.info.Selections[sel].Kind() == types.MethodVal {
		router = sel.X // r.Use(mw)
	} else if h := c.wrappedArg(call); h != nil {
		router = h // rest.Wrap(proxy, rest.Recoverer(l), ...)
	} else {
		router = assignedTo(cur) // n := negroni.New(mw)
	}
	if router == nil {
		return
	}
	if fn := c.staticCallee(call); fn != nil && c.recoveryKind(fn) == RecoveringRouter && (fn.Pkg() != c.pass.Pkg || c.buildsRecoveringRouter(fn)) {
		if r := assignedTo(cur); r != nil {
			if s := c.flows.Handler(r).Proxied(); s != nil {
				c.reportInstall(call, qualified(fn)+" installs recovery middleware that", r, s, c.routerFix(cur, fn, r))
			}
		}
		return
	}
	for _, arg := range call.Args {
		mw := c.recoveryArg(arg)
		if mw == "" {
			continue
		}
		s := c.flows.Handler(router).Proxied()
		if s == nil {
			return // the router serves no proxy: nothing aborts mid-response
		}
		var fixes []analysis.SuggestedFix
		if chain, ok := fixer.ChainOf(c.info.TypeOf(arg), c.runsChain); ok {
			if f := c.file(arg); f != nil {
				if fix, ok := fixer.ReplaceRecoveryMiddleware(f, arg, chain); ok {
					fixes = append(fixes, fix)
				}
			}
		}
		c.reportInstall(arg, mw, router, s, fixes) // at the middleware, which may sit lines below the call
		return
	}
}

// runsChain reports whether the method fn runs the rest of a middleware
// chain: it may abort without raising the abort itself (gin's c.Next()).
func (c *checker) runsChain(fn *types.Func) bool {
	may, raises := c.funcAborts(fn)
	return may && !raises
}

// routerFix returns the fix for r := pkg.Builder(), a router built with
// recovery from another package installed, when the builder's fact says
// how to build it without.
func (c *checker) routerFix(cur inspector.Cursor, fn *types.Func, r ast.Expr) []analysis.SuggestedFix {
	f := c.fact(fn)
	if f == nil || f.Plain == "" || fn.Pkg() == c.pass.Pkg {
		return nil
	}
	rec, ok := fn.Pkg().Scope().Lookup(f.Recovery).(*types.Func)
	if !ok || rec.Signature().Results().Len() != 1 {
		return nil
	}
	chain, ok := fixer.ChainOf(rec.Signature().Results().At(0).Type(), c.runsChain)
	if !ok {
		return nil
	}
	var stmt ast.Stmt
	switch p := cur.Parent().Node().(type) {
	case *ast.AssignStmt:
		stmt = p
	case *ast.ValueSpec:
		if d, ok := cur.Parent().Parent().Parent().Node().(*ast.DeclStmt); ok && len(d.Decl.(*ast.GenDecl).Specs) == 1 {
			stmt = d
		}
	}
	file := c.file(cur.Node())
	if stmt == nil || file == nil {
		return nil
	}
	fix, ok := fixer.ReplaceRecoveringRouter(file, cur.Node().(*ast.CallExpr), stmt, r, f.Plain, f.Keep, chain)
	if !ok {
		return nil
	}
	return []analysis.SuggestedFix{fix}
}

func (c *checker) reportInstall(at ast.Node, mw string, router ast.Expr, s *streamflow.Stream, fixes []analysis.SuggestedFix) {
	d := analysis.Diagnostic{
		Pos:            at.Pos(),
		End:            at.End(),
		SuggestedFixes: fixes,
		Message: fmt.Sprintf("%s recovers panics without re-panicking http.ErrAbortHandler, so installing it on %s, which routes to a stream (%s), swallows its aborts; install recovery that re-panics them",
			mw, types.ExprString(router), s.Describe()),
	}
	for _, hop := range s.Hops {
		d.Related = append(d.Related, analysis.RelatedInformation{Pos: hop.Pos, Message: hop.Msg})
	}
	c.report(d)
}

// assignedTo returns the variable the call at cur is assigned to
// (r := f() or var r = f()), or nil.
func assignedTo(cur inspector.Cursor) ast.Expr {
	call := cur.Node()
	switch p := cur.Parent().Node().(type) {
	case *ast.AssignStmt:
		if len(p.Lhs) == len(p.Rhs) {
			for i, r := range p.Rhs {
				if r == call {
					return p.Lhs[i]
				}
			}
		}
	case *ast.ValueSpec:
		if len(p.Names) == len(p.Values) {
			for i, v := range p.Values {
				if v == call {
					return p.Names[i]
				}
			}
		}
	}
	return nil
}

// wrappedArg returns the handler that a function applying middleware to
// it receives, as rest.Wrap(h, mws...) or alice.New(mws...).Then(h) do:
// its one argument that serves requests and is no recovery middleware.
func (c *checker) wrappedArg(call *ast.CallExpr) ast.Expr {
	var found ast.Expr
	for _, arg := range call.Args {
		t := c.info.TypeOf(arg)
		if t == nil || !c.sym.IsHandler(t) || c.recoveryArg(arg) != "" {
			continue
		}
		if sig, ok := t.Underlying().(*types.Signature); ok && c.isMiddlewareSig(sig) {
			continue // middleware, not the handler it wraps
		}
		if found != nil {
			return nil // several handlers: not a wrapping
		}
		found = arg
	}
	return found
}

// returnsRecoveringVar reports whether every return of u returns a
// package-level variable of this package that is only ever set to a
// router with recovery installed (var router = gin.Default(), or set so in
// init), as an accessor of a shared engine does.
func (c *checker) returnsRecoveringVar(u *unit) bool {
	for _, ret := range u.returns() {
		if len(ret.Results) != 1 {
			return false
		}
		id, ok := ast.Unparen(ret.Results[0]).(*ast.Ident)
		if !ok {
			return false
		}
		v, ok := c.info.Uses[id].(*types.Var)
		if !ok || v.Pkg() != c.pass.Pkg || v.Parent() != v.Pkg().Scope() || c.recoveringVarAt(v) == token.NoPos {
			return false
		}
	}
	return true
}

// recoveringVarAt returns where the package-level variable v is set to a
// router with recovery, when every value it is given is one; or NoPos.
func (c *checker) recoveringVarAt(v *types.Var) token.Pos {
	var at token.Pos
	judge := func(e ast.Expr) bool {
		call, ok := ast.Unparen(e).(*ast.CallExpr)
		if !ok {
			return false
		}
		fn := c.staticCallee(call)
		if fn == nil || c.recoveryKind(fn) != RecoveringRouter {
			return false
		}
		if at == token.NoPos {
			at = call.Pos()
		}
		return true
	}
	if id, ok := c.insp.Root().FindByPos(v.Pos(), v.Pos()+token.Pos(len(v.Name()))); ok {
		if e := definition(id); e != nil && !judge(e) {
			return token.NoPos // var router = something else
		}
	}
	for _, k := range c.refsOf(v) {
		switch k.ParentEdgeKind() {
		case edge.AssignStmt_Lhs:
			as := k.Parent().Node().(*ast.AssignStmt)
			if len(as.Lhs) != len(as.Rhs) {
				return token.NoPos
			}
			for i, l := range as.Lhs {
				if ast.Unparen(l) == k.Node() && !judge(as.Rhs[i]) {
					return token.NoPos
				}
			}
		case edge.UnaryExpr_X:
			return token.NoPos // &router: set where this package cannot see
		}
	}
	return at
}
