package abortrecover

import (
	_ "embed"
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/inspect"
	"golang.org/x/tools/go/ast/inspector"
	"golang.org/x/tools/go/types/typeutil"

	"github.com/streamvet/streamvet/analyzer/internal/httpsym"
	"github.com/streamvet/streamvet/analyzer/streamflow"
	"github.com/streamvet/streamvet/fixer"
)

//go:embed doc.go
var doc string

// Recovery names recovery middleware, recoverers and middleware factories
// that swallow http.ErrAbortHandler although their code does not show it
// (code the analysis cannot see).
var Recovery = new(httpsym.FuncList)

func init() {
	streamflow.ExposeHandlers(Analyzer)
	Analyzer.Flags.Var(Recovery, "recovery", "comma-separated recovery middleware, by import path (example.com/mw.Recoverer), that swallows http.ErrAbortHandler")
}

// Analyzer reports recovers on a request path that swallow
// http.ErrAbortHandler.
var Analyzer = &analysis.Analyzer{
	Name:      "abortrecover",
	Doc:       httpsym.ExtractDoc(doc, "abortrecover"),
	URL:       "https://github.com/streamvet/streamvet/blob/main/analyzer/abortrecover/doc.go",
	Requires:  []*analysis.Analyzer{inspect.Analyzer, streamflow.Analyzer},
	Run:       run,
	FactTypes: []analysis.Fact{new(Swallows), new(RePanics), new(MayAbort), new(AbortTest), new(Hijacks), new(ProxyReachable)},
}

// Kind says how a function swallows http.ErrAbortHandler.
type Kind uint8

const (
	// Recoverer calls recover itself and drops aborts: deferring it
	// swallows them.
	Recoverer Kind = iota + 1
	// Guard defers such a recover around its own body: calling it
	// swallows aborts raised in what it runs.
	Guard
	// Middleware returns a handler that guards its handler argument.
	Middleware
	// Factory returns such a middleware.
	Factory
	// RecoveryHandler returns a handler, installed as middleware (gin's
	// HandlerFunc, negroni's Handler), that guards the rest of its chain.
	RecoveryHandler
	// RecoveringRouter returns a router with such a handler installed,
	// as gin.Default does.
	RecoveringRouter
)

func (k Kind) String() string {
	switch k {
	case Recoverer:
		return "recoverer"
	case Guard:
		return "guard"
	case Middleware:
		return "middleware"
	case Factory:
		return "middleware factory"
	case RecoveryHandler:
		return "recovery handler"
	case RecoveringRouter:
		return "router with recovery"
	}
	return "none"
}

// Swallows is the fact that a function drops http.ErrAbortHandler when it
// recovers; Where is the recover, as file.go:line. A Guard whose recover
// protects only the call of a function parameter has Callback set to 1 +
// that parameter's index: calling it swallows aborts only when the
// function passed there can abort.
//
// A RecoveringRouter that builds its router with another function of its
// package of the same signature, and installs on it only recovery and
// middleware made by nullary functions of its package (gin.Default: New,
// then Use(Logger(), Recovery())), names them, so that a fix can build
// the router without the recovery: Plain (New), Keep (Logger) and
// Recovery (Recovery), whose result type is the middleware's.
type Swallows struct {
	Kind     Kind
	Where    string
	Callback int
	Plain    string
	Keep     []string
	Recovery string
	// With names the field of the receiver that a Guard's recover is
	// deferred under (if t.PanicHandler != nil { defer … }): it guards
	// only a value whose program sets that field.
	With string
}

func (*Swallows) AFact() {}

func (f *Swallows) String() string { return "swallows aborts: " + f.Kind.String() }

// RePanics is the fact that a function re-panics an abort passed as its
// parameter Param, so calling it on a recovered value handles the abort.
type RePanics struct{ Param int }

func (*RePanics) AFact() {}

func (f *RePanics) String() string { return fmt.Sprintf("re-panics aborts of arg%d", f.Param) }

// unit is a function body: a declaration or a literal.
type unit struct {
	cur      inspector.Cursor
	body     *ast.BlockStmt
	fn       *types.Func      // declared function, or nil
	sig      *types.Signature // its signature
	name     string           // for messages
	spawned  bool             // the function of a go statement
	deferred bool             // the function of a defer statement
	stored   bool             // a literal returned or stored, not called where it is made
	request  bool             // runs on a request path
	sites    []*site          // recover calls made directly by this body
	defers   []*ast.DeferStmt // defer statements of this body
	calls    []*ast.CallExpr  // calls this body makes, not deferred or spawned
	lits     []*unit          // function literals directly inside
	callers  map[*unit]bool   // units that call this declared function
	deferers []*ast.DeferStmt // defer statements that defer this function
	decl     *ast.FuncDecl    // for declarations
	lit      *ast.FuncLit     // for literals
	outer    *unit            // the enclosing unit of a literal
	stream   *streamflow.Stream
}

// site is one recover call and what the body does with its value.
type site struct {
	cur  inspector.Cursor
	call *ast.CallExpr
	verdict
}

type checker struct {
	pass       *analysis.Pass
	info       *types.Info
	sym        *httpsym.Symbols
	flows      *streamflow.Result
	units      []*unit
	byNode     map[ast.Node]*unit
	decls      map[*types.Func]*unit
	rePanic    map[*types.Func]int
	guardState map[*unit]int // 0 unknown, 1 busy, 2 no, 3 yes
	mws        map[*types.Func]int
	reported   map[*ast.CallExpr]bool
	abortInfo  map[*unit]*abortInfo
	abortTests map[*types.Func]int
	hijack     map[*unit]bool
	recoveries map[*types.Func]Kind // recoveryKind, memoized; busy while computed
	insp       *inspector.Inspector
	reassigned map[*types.Var]bool                 // locals assigned after their declaration
	refs       map[types.Object][]inspector.Cursor // uses of objects, built on demand
	params     map[*types.Var]bool                 // parameters of the package's functions, built on demand
	lits       map[*types.Var]*ast.FuncLit         // locals declared with a function literal, built on demand

	proxyReachable bool // the package or one it imports uses httputil.ReverseProxy
}

func run(pass *analysis.Pass) (any, error) {
	// Before the fast path: a package that serves nothing may still build
	// the proxy its importers serve.
	proxyReachable := reachesProxy(pass)
	if proxyReachable && !strings.HasSuffix(pass.Pkg.Path(), ".test") { // a generated test main is imported by nobody
		pass.ExportPackageFact(new(ProxyReachable))
	}
	// Fast path: a package that imports neither net/http nor a package
	// that does (a framework) serves nothing and handles no request.
	if !httpsym.ImportsHTTP(pass.Pkg) {
		return nil, nil
	}
	sym := httpsym.Lookup(pass.Pkg)
	if sym == nil {
		return nil, nil // net/http did not type-check: nothing to match
	}
	c := &checker{
		pass:       pass,
		info:       pass.TypesInfo,
		sym:        sym,
		flows:      pass.ResultOf[streamflow.Analyzer].(*streamflow.Result),
		byNode:     make(map[ast.Node]*unit),
		decls:      make(map[*types.Func]*unit),
		rePanic:    make(map[*types.Func]int),
		guardState: make(map[*unit]int),
		mws:        make(map[*types.Func]int),
		reported:   make(map[*ast.CallExpr]bool),
		abortInfo:  make(map[*unit]*abortInfo),
		abortTests: make(map[*types.Func]int),
		hijack:     make(map[*unit]bool),
		recoveries: make(map[*types.Func]Kind),
		insp:       pass.ResultOf[inspect.Analyzer].(*inspector.Inspector),

		proxyReachable: proxyReachable,
	}
	c.collect(pass.ResultOf[inspect.Analyzer].(*inspector.Inspector))
	for _, u := range c.units {
		for _, s := range u.sites {
			s.verdict = c.judge(u.bodyCur(), s.call, nil)
			if !s.handled && u.lit != nil && c.handedOff(u, s) {
				s.handled = true
			}
		}
	}
	c.markRequests()
	c.exportFacts()
	for _, u := range c.units {
		if u.request {
			c.checkRequest(u)
		}
	}
	c.checkExported()
	c.checkWrapping(pass.ResultOf[inspect.Analyzer].(*inspector.Inspector))
	return nil, nil
}

// collect indexes every function body of the package.
func (c *checker) collect(insp *inspector.Inspector) {
	for cur := range insp.Root().Preorder((*ast.FuncDecl)(nil), (*ast.FuncLit)(nil)) {
		u := &unit{cur: cur, callers: make(map[*unit]bool)}
		switch n := cur.Node().(type) {
		case *ast.FuncDecl:
			fn, _ := c.info.Defs[n.Name].(*types.Func)
			if fn == nil || n.Body == nil {
				continue // no body to look into
			}
			u.fn, u.sig, u.body, u.decl, u.name = fn, fn.Signature(), n.Body, n, fn.Name()
			c.decls[fn] = u
		case *ast.FuncLit:
			u.sig, _ = c.info.TypeOf(n).(*types.Signature)
			u.body, u.lit = n.Body, n
			for p := range cur.Parent().Enclosing((*ast.FuncDecl)(nil), (*ast.FuncLit)(nil)) {
				u.outer = c.byNode[p.Node()]
				break
			}
			switch p := cur.Parent().Node().(type) {
			case *ast.CallExpr:
				if gp, ok := cur.Parent().Parent().Node().(*ast.GoStmt); ok && gp.Call == p && p.Fun == n {
					u.spawned = true
				}
				if gp, ok := cur.Parent().Parent().Node().(*ast.DeferStmt); ok && gp.Call == p && p.Fun == n {
					u.deferred = true
				}
				if tv, ok := c.info.Types[p.Fun]; ok && tv.IsType() {
					u.stored = true // converted, as http.HandlerFunc(func...): a value, not a call
				}
			case *ast.ReturnStmt, *ast.CompositeLit, *ast.KeyValueExpr:
				u.stored = true
			}
			u.name = "a function literal"
			if u.outer != nil {
				u.name = "a function literal in " + u.outer.name
				u.outer.lits = append(u.outer.lits, u)
			}
		}
		if u.sig == nil {
			continue // ill-typed
		}
		c.byNode[cur.Node()] = u
		c.units = append(c.units, u)
		bodyCur := cur.Child(u.body)
		bodyCur.Inspect([]ast.Node{(*ast.FuncLit)(nil), (*ast.DeferStmt)(nil), (*ast.GoStmt)(nil), (*ast.CallExpr)(nil)}, func(k inspector.Cursor) bool {
			switch n := k.Node().(type) {
			case *ast.FuncLit:
				return false // its own unit
			case *ast.DeferStmt:
				u.defers = append(u.defers, n)
			case *ast.CallExpr:
				switch p := k.Parent().Node().(type) {
				case *ast.DeferStmt:
					if p.Call == n {
						return true // a deferred call; defer recover() recovers nothing
					}
				case *ast.GoStmt:
					if p.Call == n {
						return true // runs on another goroutine
					}
				}
				if httpsym.IsBuiltin(c.info, n, "recover") {
					u.sites = append(u.sites, &site{cur: k, call: n})
				} else {
					u.calls = append(u.calls, n)
				}
			}
			return true
		})
	}
	for _, u := range c.units {
		for _, call := range u.calls {
			if fn := typeutil.StaticCallee(c.info, call); fn != nil {
				if d := c.decls[fn.Origin()]; d != nil {
					d.callers[u] = true
				}
			}
		}
		for _, d := range u.defers {
			if fn := c.staticCallee(d.Call); fn != nil {
				if du := c.decls[fn]; du != nil {
					du.deferers = append(du.deferers, d)
				}
			}
		}
	}
}

func (c *checker) staticCallee(call *ast.CallExpr) *types.Func {
	fn := typeutil.StaticCallee(c.info, call)
	if fn != nil {
		fn = fn.Origin()
	}
	return fn
}

// markRequests finds the bodies that run on a request path: handlers,
// ServeHTTP methods, functions that take the ResponseWriter (a
// *http.Request alone may be a client's), the literals inside them and
// the functions they call.
func (c *checker) markRequests() {
	var work []*unit
	mark := func(u *unit) {
		if !u.request && !u.spawned && !u.deferred {
			u.request = true
			work = append(work, u)
		}
	}
	for _, u := range c.units {
		if c.servesRequest(u.sig) {
			mark(u)
		}
	}
	for len(work) > 0 {
		u := work[len(work)-1]
		work = work[:len(work)-1]
		for _, l := range u.lits {
			mark(l)
		}
		for _, call := range u.calls {
			if fn := c.staticCallee(call); fn != nil {
				if d := c.decls[fn]; d != nil {
					mark(d)
				}
			}
		}
	}
}

func (c *checker) takesWriter(sig *types.Signature) bool {
	for i := range sig.Params().Len() {
		t := sig.Params().At(i).Type()
		if c.sym.IsResponseWriter(t) { // a *http.Request alone may be a client's
			return true
		}
	}
	return false
}

// bodyCur returns the cursor of u's body.
func (u *unit) bodyCur() inspector.Cursor { return u.cur.Child(u.body) }

// unhandled returns the recovers of u that drop an abort.
func (u *unit) unhandled() []*site {
	var list []*site
	for _, s := range u.sites {
		if !s.handled {
			list = append(list, s)
		}
	}
	return list
}

// rePanicParam returns the parameter fn re-panics when it holds an abort,
// or -1.
func (c *checker) rePanicParam(fn *types.Func) int {
	fn = fn.Origin()
	if i, ok := c.rePanic[fn]; ok {
		return i
	}
	c.rePanic[fn] = -1
	if fn.Pkg() != c.pass.Pkg {
		var f RePanics
		if fn.Pkg() != nil && c.pass.ImportObjectFact(fn, &f) {
			c.rePanic[fn] = f.Param
		}
		return c.rePanic[fn]
	}
	u := c.decls[fn]
	if u == nil {
		return -1 // no body
	}
	for i := range u.sig.Params().Len() {
		p := u.sig.Params().At(i)
		if _, ok := p.Type().Underlying().(*types.Interface); !ok {
			continue // cannot hold an abort
		}
		if c.judge(u.bodyCur(), nil, p).handled {
			c.rePanic[fn] = i
			break
		}
	}
	return c.rePanic[fn]
}

// deferSwallows reports whether d defers a function that drops aborts,
// with the sites to report when they are in this package.
func (c *checker) deferSwallows(d *ast.DeferStmt) (sites []*site, fact *Swallows, fn *types.Func) {
	if lit, ok := ast.Unparen(d.Call.Fun).(*ast.FuncLit); ok {
		if u := c.byNode[lit]; u != nil {
			return u.unhandled(), nil, nil
		}
		return nil, nil, nil
	}
	fn = c.staticCallee(d.Call)
	if fn == nil {
		return nil, nil, nil // a func value: unknown
	}
	if fn.Pkg() == c.pass.Pkg {
		if u := c.decls[fn]; u != nil {
			return u.unhandled(), nil, fn
		}
		return nil, nil, fn
	}
	var f Swallows
	if fn.Pkg() != nil && c.pass.ImportObjectFact(fn, &f) && f.Kind == Recoverer {
		return nil, &f, fn
	}
	return nil, nil, fn
}

// guards reports whether u swallows the aborts of what it runs: it defers
// a recover that drops them around code that can abort, or calls a
// function that does.
func (c *checker) guards(u *unit) bool {
	switch c.guardState[u] {
	case 1, 2:
		return false // busy (recursion) or known not to
	case 3:
		return true
	}
	c.guardState[u] = 1
	res := c.defersSwallowing(u) && c.mayAbort(u)
	for _, call := range u.calls {
		if res {
			break
		}
		res = c.callGuards(call)
	}
	c.guardState[u] = 2
	if res {
		c.guardState[u] = 3
	}
	return res
}

// callGuards reports whether call runs code that can abort under a
// recover that drops the abort.
func (c *checker) callGuards(call *ast.CallExpr) bool {
	fn := c.staticCallee(call)
	if fn == nil {
		return false // a func value: unknown
	}
	if fn.Pkg() == c.pass.Pkg {
		d := c.decls[fn]
		if d == nil {
			return false
		}
		if c.guards(d) {
			return true
		}
		cb := c.callbackGuard(d)
		return cb > 0 && cb <= len(call.Args) && c.argAborts(call.Args[cb-1])
	}
	f := c.fact(fn)
	if f == nil || f.Kind != Guard {
		return false
	}
	if f.With != "" && !c.setsField(fn, f.With) {
		return false // its recover is deferred only when a field nothing here sets is set
	}
	return f.Callback == 0 || f.Callback <= len(call.Args) && c.argAborts(call.Args[f.Callback-1])
}

// guardField returns the field of u's receiver that every swallowing
// defer of u is conditional on (if t.PanicHandler != nil { defer … }), or
// "".
func (c *checker) guardField(u *unit) string {
	if u.decl == nil || u.decl.Recv == nil || u.fn == nil {
		return ""
	}
	recv := u.fn.Signature().Recv()
	field := ""
	for _, d := range u.defers {
		if sites, fact, _ := c.deferSwallows(d); len(sites) == 0 && fact == nil {
			continue
		}
		f := c.conditionField(u.body, d, recv)
		if f == "" || field != "" && f != field {
			return ""
		}
		field = f
	}
	return field
}

// conditionField returns F when d sits in the body of an if statement of
// body whose condition is recv.F != nil, or "".
func (c *checker) conditionField(body *ast.BlockStmt, d *ast.DeferStmt, recv *types.Var) string {
	field := ""
	ast.Inspect(body, func(n ast.Node) bool {
		ifs, ok := n.(*ast.IfStmt)
		if !ok || field != "" || ifs.Body.Pos() > d.Pos() || d.End() > ifs.Body.End() {
			return field == ""
		}
		cond, ok := ast.Unparen(ifs.Cond).(*ast.BinaryExpr)
		if !ok || cond.Op != token.NEQ {
			return true
		}
		sel, ok := ast.Unparen(cond.X).(*ast.SelectorExpr)
		if !ok || c.info.Types[cond.Y].IsNil() == false {
			return true
		}
		if id, ok := ast.Unparen(sel.X).(*ast.Ident); ok && c.info.Uses[id] == recv {
			field = sel.Sel.Name
		}
		return true
	})
	return field
}

// setsField reports whether this package gives the field name of the
// receiver type of method fn a value: an assignment (through embedding
// too) or a keyed literal.
func (c *checker) setsField(fn *types.Func, name string) bool {
	recv := fn.Signature().Recv()
	if recv == nil {
		return true
	}
	obj, _, _ := types.LookupFieldOrMethod(recv.Type(), true, fn.Pkg(), name)
	field, ok := obj.(*types.Var)
	if !ok || !field.IsField() {
		return true
	}
	return !c.eachFieldStore(field, func(ast.Expr, token.Pos) bool { return false })
}

// defersSwallowing reports whether u defers a recover that drops aborts.
func (c *checker) defersSwallowing(u *unit) bool {
	for _, d := range u.defers {
		if sites, fact, _ := c.deferSwallows(d); len(sites) > 0 || fact != nil {
			return true
		}
	}
	return false
}

// callbackGuard returns 1 + the index of the func parameter whose call u
// guards with a recover that drops aborts, when nothing else u runs can
// abort (func safely(f func()) { defer swallow(); f() }), or 0.
func (c *checker) callbackGuard(u *unit) int {
	ai := c.aborts(u)
	if ai.may || ai.callback == 0 || !c.defersSwallowing(u) {
		return 0
	}
	return ai.callback
}

func (c *checker) fact(fn *types.Func) *Swallows {
	if Recovery.Has(fn) {
		return &Swallows{Kind: c.configuredKind(fn.Signature()), Where: "named by -recovery"}
	}
	var f Swallows
	if fn.Pkg() != nil && fn.Pkg() != c.pass.Pkg && c.pass.ImportObjectFact(fn, &f) {
		return &f
	}
	return nil
}

// configuredKind tells what a function named by -recovery is from its
// signature: middleware, a factory of middleware, or a recoverer to defer.
func (c *checker) configuredKind(sig *types.Signature) Kind {
	if c.isMiddlewareSig(sig) {
		return Middleware
	}
	if sig.Results().Len() == 1 {
		if inner, ok := sig.Results().At(0).Type().Underlying().(*types.Signature); ok && c.isMiddlewareSig(inner) {
			return Factory
		}
	}
	return Recoverer
}

// middleware reports whether fn takes a handler and returns one that
// guards it (Middleware), or returns such a function (Factory).
func (c *checker) middleware(fn *types.Func) Kind {
	fn = fn.Origin()
	if fn.Pkg() != c.pass.Pkg {
		if f := c.fact(fn); f != nil && (f.Kind == Middleware || f.Kind == Factory) {
			return f.Kind
		}
		return 0
	}
	switch c.mws[fn] {
	case 1, 2:
		return 0 // busy (recursion) or known not to be middleware
	case 3:
		return Middleware
	case 4:
		return Factory
	}
	u := c.decls[fn]
	if u == nil {
		return 0 // no body
	}
	c.mws[fn] = 1
	k := c.bodyMiddleware(u)
	c.mws[fn] = 2
	switch k {
	case Middleware:
		c.mws[fn] = 3
	case Factory:
		c.mws[fn] = 4
	}
	return k
}

func (c *checker) bodyMiddleware(u *unit) Kind {
	if c.isMiddlewareSig(u.sig) {
		for _, ret := range u.returns() {
			for _, r := range ret.Results {
				if c.swallowingValue(r) {
					return Middleware
				}
			}
		}
		return 0
	}
	if u.sig.Results().Len() == 1 {
		if inner, ok := u.sig.Results().At(0).Type().Underlying().(*types.Signature); ok && c.isMiddlewareSig(inner) {
			for _, ret := range u.returns() {
				for _, r := range ret.Results {
					if c.swallowingMiddlewareValue(r) {
						return Factory
					}
				}
			}
		}
	}
	return 0
}

// swallowingMiddlewareValue reports whether e, a middleware value, guards
// the handler it is given with a recover that drops aborts: a function
// literal that does, a middleware function named as a value, or what a
// factory returns (a helper wrapping gorilla's RecoveryHandler(opts...)
// with its own logger is as much a factory as RecoveryHandler is).
func (c *checker) swallowingMiddlewareValue(e ast.Expr) bool {
	switch e := ast.Unparen(e).(type) {
	case *ast.FuncLit:
		lu := c.byNode[e]
		return lu != nil && c.bodyMiddleware(lu) == Middleware
	case *ast.CallExpr:
		fn := c.staticCallee(e)
		return fn != nil && c.middleware(fn) == Factory
	case *ast.Ident, *ast.SelectorExpr:
		fn, ok := c.info.Uses[identOf(e)].(*types.Func)
		return ok && c.middleware(fn) == Middleware
	}
	return false
}

// isMiddlewareSig reports whether sig takes a handler and returns one.
func (c *checker) isMiddlewareSig(sig *types.Signature) bool {
	if sig.Results().Len() != 1 || !c.sym.IsHandler(sig.Results().At(0).Type()) {
		return false
	}
	for i := range sig.Params().Len() {
		if c.sym.IsHandler(sig.Params().At(i).Type()) {
			return true
		}
	}
	return false
}

// swallowingHandler reports whether the handler expression e guards what
// it serves with a recover that drops aborts.
func (c *checker) swallowingHandler(e ast.Expr) bool {
	switch e := ast.Unparen(e).(type) {
	case *ast.FuncLit:
		u := c.byNode[e]
		return u != nil && c.guards(u)
	case *ast.UnaryExpr:
		return c.swallowingHandler(e.X)
	case *ast.CompositeLit:
		return c.typeGuards(c.info.TypeOf(e))
	case *ast.Ident, *ast.SelectorExpr:
		// A variable of a concrete handler type: r := &recoveryHandler{...}.
		if _, ok := c.info.Uses[identOf(e)].(*types.Var); ok {
			return c.typeGuards(c.info.TypeOf(e))
		}
	case *ast.CallExpr:
		if tv, ok := c.info.Types[e.Fun]; ok && tv.IsType() && len(e.Args) == 1 {
			return c.swallowingHandler(e.Args[0]) // http.HandlerFunc(func...)
		}
		if fn := c.staticCallee(e); fn != nil && c.middleware(fn) == Middleware {
			return true
		}
		if inner, ok := ast.Unparen(e.Fun).(*ast.CallExpr); ok {
			if fn := c.staticCallee(inner); fn != nil && c.middleware(fn) == Factory {
				return true
			}
		}
	}
	return false
}

// typeGuards reports whether the ServeHTTP method of t guards its body.
func (c *checker) typeGuards(t types.Type) bool {
	if t == nil {
		return false
	}
	obj, _, _ := types.LookupFieldOrMethod(t, true, nil, "ServeHTTP")
	fn, _ := obj.(*types.Func)
	if fn == nil {
		return false // no ServeHTTP: not a handler
	}
	if fn.Pkg() == c.pass.Pkg {
		u := c.decls[fn.Origin()]
		return u != nil && c.guards(u)
	}
	f := c.fact(fn)
	return f != nil && f.Kind == Guard
}

// returns lists the return statements of u, not those of nested literals.
func (u *unit) returns() []*ast.ReturnStmt {
	var list []*ast.ReturnStmt
	u.walk(func(k inspector.Cursor) bool {
		if n, ok := k.Node().(*ast.ReturnStmt); ok {
			list = append(list, n)
		}
		return true
	})
	return list
}

// walk visits the nodes of u's body in order, not descending into
// function literals (run later, if at all) or where f returns false.
func (u *unit) walk(f func(inspector.Cursor) bool) {
	u.bodyCur().Inspect(nil, func(k inspector.Cursor) bool {
		if _, lit := k.Node().(*ast.FuncLit); lit {
			return false
		}
		return f(k)
	})
}

// exportFacts publishes how the package's functions swallow aborts.
func (c *checker) exportFacts() {
	for _, u := range c.units {
		if u.fn == nil || !u.fn.Exported() && u.fn.Name() != "ServeHTTP" {
			continue // cannot be reached from another package
		}
		if c.rePanicParam(u.fn) >= 0 {
			c.pass.ExportObjectFact(u.fn, &RePanics{Param: c.rePanicParam(u.fn)})
		}
		if i := c.abortTest(u.fn); i >= 0 {
			c.pass.ExportObjectFact(u.fn, &AbortTest{Param: i})
		}
		if c.escapes(u) {
			c.pass.ExportObjectFact(u.fn, &MayAbort{Raises: c.aborts(u).raises})
		}
		if c.hijacks(u) && u.fn.Name() != "ServeHTTP" {
			c.pass.ExportObjectFact(u.fn, new(Hijacks))
		}
		var kind Kind
		var where string
		var callback int
		if k := c.middleware(u.fn); k != 0 {
			kind = k
		} else if k := c.recoveryKind(u.fn); k != 0 {
			kind = k
		} else if c.guards(u) {
			kind = Guard
		} else if cb := c.callbackGuard(u); cb > 0 {
			kind, callback = Guard, cb
		} else if bad := u.unhandled(); len(bad) > 0 && !c.sym.IsHandlerSig(u.sig) {
			kind, where = Recoverer, httpsym.Where(c.pass.Fset, bad[0].call.Pos())
		}
		if kind != 0 {
			f := &Swallows{Kind: kind, Where: where, Callback: callback}
			if kind == Guard {
				f.With = c.guardField(u)
			}
			if kind == RecoveringRouter {
				f.Plain, f.Keep, f.Recovery = c.plainBuilder(u)
			}
			c.pass.ExportObjectFact(u.fn, f)
		}
	}
}

// checkRequest reports the recovers that drop aborts on the request path
// of u.
func (c *checker) checkRequest(u *unit) {
	if c.hijacks(u) && !c.servesDirectly(u) {
		return // after Hijack net/http writes no response: nothing can look complete
	}
	c.checkCallbacks(u)
	for _, call := range u.calls {
		fn := c.staticCallee(call)
		if fn == nil {
			continue // a func value: unknown
		}
		if f := c.fact(fn); f != nil && f.Kind == Guard && fn.Pkg() != c.pass.Pkg && c.callGuards(call) {
			c.report(analysis.Diagnostic{
				Pos: call.Pos(),
				End: call.End(),
				Message: fmt.Sprintf("%s recovers panics without re-panicking http.ErrAbortHandler, so calling it in %s swallows aborts raised inside it; re-panic them in it",
					qualified(fn), c.describe(u)),
			})
		}
	}
	if !c.mayAbort(u) {
		return // nothing the recover protects can panic with http.ErrAbortHandler
	}
	if len(u.defers) > 0 && c.beforeNoProxy(u) {
		return // middleware installed only in front of handlers that cannot abort
	}
	for _, d := range u.defers {
		sites, fact, fn := c.deferSwallows(d)
		if fact != nil {
			c.report(analysis.Diagnostic{
				Pos: d.Pos(),
				End: d.End(),
				Message: fmt.Sprintf("%s (%s) recovers panics without re-panicking http.ErrAbortHandler, so deferring it in %s swallows aborts; recover with a function that re-panics them",
					qualified(fn), fact.Where, c.describe(u)),
			})
			continue // one finding per defer
		}
		for _, s := range sites {
			where := "the function deferred by " + c.describe(u)
			var related []analysis.RelatedInformation
			if fn != nil {
				where = fn.Name() + ", deferred by " + c.describe(u)
				related = append(related, analysis.RelatedInformation{Pos: d.Pos(), Message: "deferred here"})
			}
			c.reportSite(s, where, u, related)
		}
	}
}

// checkExported reports recovery functions that take the ResponseWriter,
// meant to be deferred by handlers elsewhere.
func (c *checker) checkExported() {
	for _, u := range c.units {
		if u.fn == nil || c.sym.IsHandlerSig(u.sig) || !c.takesWriter(u.sig) {
			continue // not a recovery function for handlers
		}
		if len(u.callers) > 0 {
			continue // called, not deferred: its recover returns nil there
		}
		if !c.openWorld(u.fn) && !c.deferredWhereAborts(u.fn) {
			continue // every handler that defers it is in view, and none can abort
		}
		for _, s := range u.unhandled() {
			c.reportSite(s, u.fn.Name()+", a recovery function for handlers", u, nil)
		}
	}
}

// deferredWhereAborts reports whether a request path of this package
// that may panic with http.ErrAbortHandler defers fn.
func (c *checker) deferredWhereAborts(fn *types.Func) bool {
	for _, v := range c.units {
		for _, d := range v.defers {
			if c.staticCallee(d.Call) == fn && c.mayAbort(v) {
				return true
			}
		}
	}
	return false
}

// checkWrapping reports streaming handlers wrapped in recovery middleware
// from another package that drops aborts.
func (c *checker) checkWrapping(insp *inspector.Inspector) {
	for cur := range insp.Root().Preorder((*ast.CallExpr)(nil), (*ast.CompositeLit)(nil)) {
		var mw string
		var args []ast.Expr
		switch n := cur.Node().(type) {
		case *ast.CallExpr:
			if fn := c.staticCallee(n); fn != nil && fn.Pkg() != c.pass.Pkg && c.middleware(fn) == Middleware {
				mw, args = qualified(fn), n.Args
			} else if inner, ok := ast.Unparen(n.Fun).(*ast.CallExpr); ok {
				if fn := c.staticCallee(inner); fn != nil && fn.Pkg() != c.pass.Pkg && c.middleware(fn) == Factory {
					mw, args = "the middleware of "+qualified(fn), n.Args
				}
			}
		case *ast.CompositeLit:
			t := c.info.TypeOf(n)
			if named, ok := types.Unalias(t).(*types.Named); ok && named.Obj().Pkg() != c.pass.Pkg && c.typeGuards(t) {
				mw = named.Obj().Pkg().Name() + "." + named.Obj().Name()
				for _, elt := range n.Elts {
					if kv, ok := elt.(*ast.KeyValueExpr); ok {
						args = append(args, kv.Value)
					} else {
						args = append(args, elt)
					}
				}
			}
		}
		if mw == "" {
			if _, ok := cur.Node().(*ast.CallExpr); ok {
				c.checkInstall(cur)
			}
			continue // not recovery middleware from another package
		}
		for _, arg := range args {
			if t := c.info.TypeOf(arg); t == nil || !c.sym.IsHandler(t) {
				continue // not the wrapped handler
			}
			s := c.flows.Handler(arg).Proxied()
			if s == nil {
				continue // no proxy: nothing aborts mid-response
			}
			d := analysis.Diagnostic{
				Pos: cur.Node().Pos(),
				End: cur.Node().End(),
				Message: fmt.Sprintf("%s recovers panics without re-panicking http.ErrAbortHandler, so wrapping the streaming handler %s (%s) in it swallows its aborts; use recovery that re-panics them",
					mw, types.ExprString(arg), s.Describe()),
			}
			for _, hop := range s.Hops {
				d.Related = append(d.Related, analysis.RelatedInformation{Pos: hop.Pos, Message: hop.Msg})
			}
			c.report(d)
			break
		}
	}
}

func qualified(fn *types.Func) string {
	name := fn.Name()
	if recv := fn.Signature().Recv(); recv != nil {
		name = types.TypeString(recv.Type(), func(p *types.Package) string { return p.Name() }) + "." + name
		return "(" + name[:len(name)-len(fn.Name())-1] + ")." + fn.Name()
	}
	if fn.Pkg() != nil {
		return fn.Pkg().Name() + "." + name
	}
	return name
}

// describe names the request-path body u for messages.
func (c *checker) describe(u *unit) string {
	switch {
	case u.fn != nil && c.sym.IsHandlerSig(u.sig) && u.fn.Name() == "ServeHTTP":
		return qualified(u.fn)
	case u.fn != nil && c.sym.IsHandlerSig(u.sig):
		return "handler " + u.fn.Name()
	case u.fn != nil:
		return u.fn.Name()
	case c.sym.IsHandlerSig(u.sig):
		if o := u.outer; o != nil && o.lit != nil && o.outer != nil && c.isMiddlewareSig(o.sig) {
			return "the handler closure of the middleware returned by " + c.describe(o.outer)
		}
		if u.outer != nil {
			return "the handler closure in " + c.describe(u.outer)
		}
		return "a handler closure"
	}
	return u.name
}

// streamOf reports how u streams, if it does.
func (c *checker) streamOf(u *unit) *streamflow.Stream {
	if u.stream != nil {
		return u.stream
	}
	var s *streamflow.Stream
	switch {
	case u.fn != nil && c.sym.IsHandlerSig(u.sig):
		s = c.flows.Func(u.fn)
	case u.lit != nil && c.sym.IsHandlerSig(u.sig):
		s = c.flows.Handler(u.lit)
	}
	if s == nil || !s.Proxy {
		for _, call := range u.calls {
			if httpsym.MethodIs(c.info, call, "net/http/httputil", "ReverseProxy", "ServeHTTP") {
				s = &streamflow.Stream{Dir: streamflow.Writes, Source: "httputil.ReverseProxy", Proxy: true,
					Hops: []streamflow.Hop{{Pos: call.Pos(), Msg: "serves a ReverseProxy"}}}
				break
			}
		}
	}
	if s == nil && u.outer != nil && u.lit != nil && !c.sym.IsHandlerSig(u.sig) {
		s = c.streamOf(u.outer)
	}
	u.stream = s
	return s
}

// reportSite reports one recover that drops aborts, with the fix.
func (c *checker) reportSite(s *site, where string, u *unit, related []analysis.RelatedInformation) {
	if c.reported[s.call] {
		return // already reported for another caller
	}
	c.reported[s.call] = true
	what := "swallows http.ErrAbortHandler"
	if s.compared {
		switch {
		case s.instead != "" && s.instead != "returns":
			what = "compares the value with http.ErrAbortHandler but " + s.instead + " instead of re-panicking"
		default:
			what = "compares the value with http.ErrAbortHandler but does not re-panic it"
		}
	}
	d := analysis.Diagnostic{
		Pos:     s.call.Pos(),
		End:     s.call.End(),
		Message: fmt.Sprintf("recover in %s %s: a cut response looks complete to the client; re-panic it", where, what),
		Related: related,
	}
	if st := c.streamOf(u); st != nil {
		for _, hop := range st.Hops {
			d.Related = append(d.Related, analysis.RelatedInformation{Pos: hop.Pos, Message: hop.Msg})
		}
	} else if obj := c.middlewareObj(u); obj != nil {
		// Middleware: where it is put in front of a proxy.
		if _, _, at := c.usesReachProxy(obj); at != nil {
			d.Related = append(d.Related, analysis.RelatedInformation{Pos: at.Pos(), Message: "installed here in front of a ReverseProxy"})
		}
	}
	if f := c.file(s.call); f != nil {
		if fix, ok := fixer.RePanicAbort(f, s.cur); ok {
			d.SuggestedFixes = []analysis.SuggestedFix{fix}
		}
	}
	c.report(d)
}

func (c *checker) report(d analysis.Diagnostic) { httpsym.Report(c.pass, d) }

func (c *checker) file(n ast.Node) *fixer.File { return fixer.Open(c.pass, n.Pos()) }

// handedOff reports whether the deferred literal u stores the value of the
// recover s in a variable, or sends it on a channel, of an enclosing
// function that then panics with it, as in
//
//	var p any
//	func() {
//		defer func() { p = recover() }()
//		proxy.ServeHTTP(w, r)
//	}()
//	if p != nil {
//		panic(p)
//	}
func (c *checker) handedOff(u *unit, s *site) bool {
	t := &tracker{info: c.info, call: s.call, vals: make(map[types.Object]bool), oks: make(map[types.Object]bool)}
	t.bind(u.bodyCur())
	outside := func(obj types.Object) bool {
		return obj != nil && obj.Pkg() == c.pass.Pkg && obj.Parent() != c.pass.Pkg.Scope() &&
			(obj.Pos() < u.lit.Pos() || obj.Pos() >= u.lit.End())
	}
	mentions := func(e ast.Node, set map[types.Object]bool, orV bool) bool {
		found := false
		ast.Inspect(e, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.Ident:
				found = found || set[c.info.ObjectOf(n)] || orV && t.isV(n)
			case ast.Expr:
				found = found || orV && t.isV(n)
			}
			return !found
		})
		return found
	}
	sinks := make(map[types.Object]bool)
	u.walk(func(k inspector.Cursor) bool {
		switch n := k.Node().(type) {
		case *ast.AssignStmt:
			if len(n.Lhs) == len(n.Rhs) {
				for i, rhs := range n.Rhs {
					if id, ok := n.Lhs[i].(*ast.Ident); ok && outside(c.info.ObjectOf(id)) && mentions(rhs, nil, true) {
						sinks[c.info.ObjectOf(id)] = true
					}
				}
			}
		case *ast.SendStmt:
			if id, ok := ast.Unparen(n.Chan).(*ast.Ident); ok && outside(c.info.ObjectOf(id)) && mentions(n.Value, nil, true) {
				sinks[c.info.ObjectOf(id)] = true
			}
		}
		return true
	})
	if len(sinks) == 0 {
		return false
	}
	// The enclosing functions, innermost first, up to the declaration.
	var outers []*unit
	for a := u.outer; a != nil; a = a.outer {
		outers = append(outers, a)
	}
	for changed := true; changed; {
		changed = false
		for _, a := range outers {
			a.walk(func(k inspector.Cursor) bool {
				if as, ok := k.Node().(*ast.AssignStmt); ok && len(as.Rhs) == 1 && mentions(as.Rhs[0], sinks, false) {
					for _, l := range as.Lhs {
						if id, ok := l.(*ast.Ident); ok && id.Name != "_" {
							if obj := c.info.ObjectOf(id); obj != nil && !sinks[obj] {
								sinks[obj] = true
								changed = true
							}
						}
					}
				}
				return true
			})
		}
	}
	found := false
	for _, a := range outers {
		a.walk(func(k inspector.Cursor) bool {
			if call, ok := k.Node().(*ast.CallExpr); ok && httpsym.IsBuiltin(c.info, call, "panic") && len(call.Args) == 1 && mentions(call.Args[0], sinks, false) {
				found = true
			}
			return !found
		})
	}
	return found
}

func identOf(e ast.Expr) *ast.Ident {
	switch e := e.(type) {
	case *ast.Ident:
		return e
	case *ast.SelectorExpr:
		return e.Sel
	}
	return nil
}
