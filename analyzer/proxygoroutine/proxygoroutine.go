package proxygoroutine

import (
	_ "embed"
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"slices"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/inspect"
	"golang.org/x/tools/go/ast/edge"
	"golang.org/x/tools/go/ast/inspector"
	"golang.org/x/tools/go/types/typeutil"

	"github.com/streamvet/streamvet/analyzer/internal/httpsym"
	"github.com/streamvet/streamvet/analyzer/streamflow"
	"github.com/streamvet/streamvet/fixer"
)

//go:embed doc.go
var doc string

func init() { streamflow.ExposeHandlers(Analyzer) }

// Analyzer reports streaming handlers served from a new goroutine.
var Analyzer = &analysis.Analyzer{
	Name:      "proxygoroutine",
	Doc:       httpsym.ExtractDoc(doc, "proxygoroutine"),
	URL:       "https://github.com/streamvet/streamvet/blob/main/analyzer/proxygoroutine/doc.go",
	Requires:  []*analysis.Analyzer{inspect.Analyzer, streamflow.Analyzer},
	Run:       run,
	FactTypes: []analysis.Fact{new(Serves), new(Spawns)},
}

// Serves is the fact that a function that is not itself a handler serves
// a stream on the goroutine that calls it, such as
// func Forward(p *httputil.ReverseProxy, w http.ResponseWriter, r *http.Request).
type Serves struct {
	Source string
	Where  string
	Proxy  bool
}

func (*Serves) AFact() {}

func (f *Serves) String() string { return "serves " + f.Source }

// Spawns is the fact that a function, typically middleware, serves its
// handler parameters Params on a new goroutine that nobody recovers:
// wrapping a stream in it is reported where it is wrapped.
type Spawns struct {
	Params []int
	Where  string // the goroutine, as file.go:line
}

func (*Spawns) AFact() {}

func (f *Spawns) String() string {
	s := "serves"
	for i, p := range f.Params {
		if i > 0 {
			s += ","
		}
		s += fmt.Sprintf(" arg%d", p)
	}
	return s + " on a new goroutine"
}

// served is what a goroutine serves: the stream and the call that serves it.
type served struct {
	stream *streamflow.Stream
	call   *ast.CallExpr
}

type checker struct {
	pass  *analysis.Pass
	info  *types.Info
	sym   *httpsym.Symbols
	flows *streamflow.Result
	decls map[*types.Func]*ast.FuncDecl
	memo  map[*types.Func]*served
	busy  map[*types.Func]bool
	// spawns records, per function, the handler parameters it serves on
	// a goroutine of its own, and where.
	spawns map[*types.Func]*Spawns
	// bodies maps each function body to its cursor.
	bodies map[*ast.BlockStmt]inspector.Cursor
	// fieldSources holds the values stored in each field, built on demand.
	fieldSources map[*types.Var][]ast.Expr
}

func run(pass *analysis.Pass) (any, error) {
	// Fast path: a package that imports neither net/http nor a package
	// that does (a framework) serves nothing.
	if !httpsym.ImportsHTTP(pass.Pkg) {
		return nil, nil
	}
	sym := httpsym.Lookup(pass.Pkg)
	if sym == nil {
		return nil, nil // net/http did not type-check: nothing to match
	}
	insp := pass.ResultOf[inspect.Analyzer].(*inspector.Inspector)
	c := &checker{
		pass:  pass,
		info:  pass.TypesInfo,
		sym:   sym,
		flows: pass.ResultOf[streamflow.Analyzer].(*streamflow.Result),
		decls: make(map[*types.Func]*ast.FuncDecl),
		memo:  make(map[*types.Func]*served),
		busy:  make(map[*types.Func]bool),

		spawns: make(map[*types.Func]*Spawns),
		bodies: make(map[*ast.BlockStmt]inspector.Cursor),
	}
	for cur := range insp.Root().Preorder((*ast.FuncDecl)(nil), (*ast.FuncLit)(nil)) {
		switch n := cur.Node().(type) {
		case *ast.FuncDecl:
			if fn, ok := c.info.Defs[n.Name].(*types.Func); ok && n.Body != nil {
				c.decls[fn] = n
				c.bodies[n.Body] = cur.ChildAt(edge.FuncDecl_Body, -1)
			}
		case *ast.FuncLit:
			c.bodies[n.Body] = cur.ChildAt(edge.FuncLit_Body, -1)
		}
	}
	for cur := range insp.Root().Preorder((*ast.GoStmt)(nil), (*ast.CallExpr)(nil)) {
		c.check(cur)
	}
	c.exportFacts()
	c.checkWrapping(insp)
	return nil, nil
}

// exportFacts publishes the functions that serve a stream on their
// caller's goroutine.
func (c *checker) exportFacts() {
	for fn, sp := range c.spawns {
		if fn.Exported() {
			c.pass.ExportObjectFact(fn, sp)
		}
	}
	for fn := range c.decls {
		if !fn.Exported() || c.sym.IsHandlerSig(fn.Signature()) {
			continue // unreachable from elsewhere, or streamflow's Streams fact covers it
		}
		if sv := c.servesFunc(fn); sv != nil {
			c.pass.ExportObjectFact(fn, &Serves{Source: sv.stream.Source, Where: sv.stream.Where, Proxy: sv.stream.Proxy})
		}
	}
}

// check reports the goroutine started at cur if it serves a stream.
func (c *checker) check(cur inspector.Cursor) {
	var (
		fun    ast.Expr      // the function the goroutine runs
		direct *ast.CallExpr // or the call it makes, for go f(x)
		launch ast.Node      // what to report
		how    string
	)
	switch n := cur.Node().(type) {
	case *ast.GoStmt:
		launch, how = n, "a go statement"
		if lit, ok := ast.Unparen(n.Call.Fun).(*ast.FuncLit); ok && len(n.Call.Args) == 0 {
			fun = lit
		} else {
			direct = n.Call
		}
	case *ast.CallExpr:
		fn, _ := typeutil.Callee(c.info, n).(*types.Func)
		switch {
		case httpsym.IsMethod(fn, "sync", "WaitGroup", "Go") && len(n.Args) == 1:
			fun, launch, how = n.Args[0], n, types.ExprString(n.Fun)
		case httpsym.IsFunc(fn, "time", "AfterFunc") && len(n.Args) == 2:
			fun, launch, how = n.Args[1], n, "time.AfterFunc"
		default:
			return // not a goroutine
		}
	}
	if !c.onRequestPath(cur) {
		return // no server context: ReverseProxy logs a failed copy instead of panicking
	}
	var sv *served
	var lit *ast.FuncLit
	switch {
	case direct != nil:
		sv = c.servesCall(direct)
		if fn := typeutil.StaticCallee(c.info, direct); fn != nil && c.decls[fn.Origin()] != nil && c.defersRecover(c.decls[fn.Origin()].Body) {
			return // the callee recovers itself; where the value goes is beyond this check
		}
	default:
		switch f := ast.Unparen(fun).(type) {
		case *ast.FuncLit:
			lit = f
			sv = c.servesBody(f.Body)
		default:
			if fn := c.funcOf(f); fn != nil {
				sv = c.servesFunc(fn)
			}
		}
	}
	recovers, handsBack := false, false
	if lit != nil {
		recovers, handsBack = c.recovery(cur, lit)
	}
	if handsBack {
		return // the panic is re-panicked on the handler goroutine
	}
	if sv == nil {
		if !recovers {
			c.recordSpawn(cur, direct, lit)
			if h := c.givenHandler(cur, direct, lit); h != nil {
				httpsym.Report(c.pass, analysis.Diagnostic{
					Pos: launch.Pos(),
					End: launch.End(),
					Message: fmt.Sprintf("the goroutine started by %s serves %s, a handler users of this package pass: if it is a ReverseProxy, an http.ErrAbortHandler panic there crashes the process; serve it on the handler goroutine, or recover and re-panic there",
						how, types.ExprString(h)),
				})
			}
		}
		return // serves no stream known here: no abort panic to lose
	}
	s := sv.stream
	what := types.ExprString(sv.call.Fun)
	var msg string
	// One short sentence of fact and remedy; the why is in doc.go.
	if recovers {
		msg = fmt.Sprintf("the goroutine started by %s serves %s (%s) and recovers its panics without handing them back: truncated responses look complete; re-panic on the handler goroutine",
			how, what, s.Describe())
	} else {
		cause := "an abort or any other panic"
		if s.Proxy {
			cause = "an http.ErrAbortHandler panic"
		}
		msg = fmt.Sprintf("the goroutine started by %s serves %s (%s): %s there crashes the process; serve it on the handler goroutine",
			how, what, s.Describe(), cause)
	}
	d := analysis.Diagnostic{Pos: launch.Pos(), End: launch.End(), Message: msg}
	if sv.call.Pos() < launch.Pos() || sv.call.Pos() >= launch.End() {
		d.Related = append(d.Related, analysis.RelatedInformation{Pos: sv.call.Pos(), Message: "serves the stream"})
	}
	for _, hop := range s.Hops {
		d.Related = append(d.Related, analysis.RelatedInformation{Pos: hop.Pos, Message: hop.Msg})
	}
	if !recovers {
		if fix, ok := c.inlineFix(cur, launch, fun, lit); ok {
			d.SuggestedFixes = []analysis.SuggestedFix{fix}
		}
	}
	httpsym.Report(c.pass, d)
}

// onRequestPath reports whether cur is inside a function whose parameters
// reach the ResponseWriter: a handler, a framework's handler, or a
// function that serves for one.
func (c *checker) onRequestPath(cur inspector.Cursor) bool {
	for f := range cur.Enclosing((*ast.FuncDecl)(nil), (*ast.FuncLit)(nil)) {
		var sig *types.Signature
		switch n := f.Node().(type) {
		case *ast.FuncDecl:
			if fn, ok := c.info.Defs[n.Name].(*types.Func); ok {
				sig = fn.Signature()
			}
		case *ast.FuncLit:
			sig, _ = c.info.TypeOf(n).(*types.Signature)
		}
		if sig == nil {
			continue // ill-typed
		}
		for i := range sig.Params().Len() {
			t := sig.Params().At(i).Type()
			// The ResponseWriter itself, or a framework's context holding
			// it (c.Writer, c.Response()); a *http.Request alone may be a
			// client's.
			if c.sym.WriterAccess(t) {
				return true
			}
		}
	}
	return false
}

// servesCall reports the stream that call serves on the calling goroutine.
func (c *checker) servesCall(call *ast.CallExpr) *served {
	fn, _ := typeutil.Callee(c.info, call).(*types.Func)
	if tv, ok := c.info.Types[call.Fun]; ok && tv.IsType() {
		return nil // a conversion serves nothing
	}
	if sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr); ok && fn != nil && fn.Name() == "ServeHTTP" &&
		fn.Signature().Recv() != nil && c.sym.IsHandlerSig(fn.Signature()) {
		s := c.flows.Handler(sel.X)
		if httpsym.IsNamed(c.info.TypeOf(sel.X), "net/http/httputil", "ReverseProxy") && (s == nil || !s.Proxy) {
			s = &streamflow.Stream{Dir: streamflow.Writes | streamflow.Reads, Source: "httputil.ReverseProxy", Proxy: true}
		}
		if s == nil {
			return nil // the handler does not stream
		}
		return &served{stream: s, call: call}
	}
	if lit, ok := ast.Unparen(call.Fun).(*ast.FuncLit); ok {
		return c.servesBody(lit.Body)
	}
	if sig := c.sigOf(call.Fun); sig != nil && c.sym.IsHandlerSig(sig) {
		if s := c.flows.Handler(call.Fun); s != nil {
			return &served{stream: s, call: call}
		}
		return nil // the handler does not stream
	}
	if fn == nil {
		return nil // a func value: unknown
	}
	if fn.Pkg() == c.pass.Pkg {
		if sv := c.servesFunc(fn); sv != nil {
			return &served{stream: sv.stream, call: call}
		}
		return nil // the callee serves no stream
	}
	var f Serves
	if fn.Pkg() != nil && c.pass.ImportObjectFact(fn.Origin(), &f) {
		return &served{stream: &streamflow.Stream{Dir: streamflow.Writes, Source: f.Source, Where: f.Where, Proxy: f.Proxy}, call: call}
	}
	return nil
}

// servesFunc reports the stream the function fn serves when called.
func (c *checker) servesFunc(fn *types.Func) *served {
	fn = fn.Origin()
	if c.sym.IsHandlerSig(fn.Signature()) {
		if s := c.flows.Func(fn); s != nil {
			return &served{stream: s, call: &ast.CallExpr{Fun: ast.NewIdent(fn.Name())}}
		}
		return nil // the handler does not stream
	}
	if sv, ok := c.memo[fn]; ok {
		return sv
	}
	decl := c.decls[fn]
	if decl == nil || c.busy[fn] {
		if fn.Pkg() != c.pass.Pkg {
			var f Serves
			if fn.Pkg() != nil && c.pass.ImportObjectFact(fn, &f) {
				return &served{stream: &streamflow.Stream{Dir: streamflow.Writes, Source: f.Source, Where: f.Where, Proxy: f.Proxy}, call: &ast.CallExpr{Fun: ast.NewIdent(fn.Name())}}
			}
		}
		return nil // no body here, or recursion
	}
	c.busy[fn] = true
	sv := c.servesBody(decl.Body)
	delete(c.busy, fn)
	c.memo[fn] = sv
	return sv
}

// servesBody reports the first stream that body serves on its own
// goroutine; goroutines it starts are checked on their own.
func (c *checker) servesBody(body *ast.BlockStmt) *served {
	var sv *served
	c.walk(body, func(k inspector.Cursor) bool {
		switch n := k.Node().(type) {
		case *ast.GoStmt:
			return false // another goroutine, checked where it starts
		case *ast.CallExpr:
			sv = c.servesCall(n)
		}
		return sv == nil
	})
	return sv
}

// defersRecover reports whether body defers a function that calls recover.
func (c *checker) defersRecover(body *ast.BlockStmt) bool {
	found := false
	c.walk(body, func(k inspector.Cursor) bool {
		d, ok := k.Node().(*ast.DeferStmt)
		if !ok {
			return !found
		}
		if lit, ok := ast.Unparen(d.Call.Fun).(*ast.FuncLit); ok && len(c.recovers(lit.Body)) > 0 {
			found = true
		}
		if fn := typeutil.StaticCallee(c.info, d.Call); fn != nil {
			if decl := c.decls[fn.Origin()]; decl != nil && len(c.recovers(decl.Body)) > 0 {
				found = true
			}
		}
		return false
	})
	return found
}

// recovers lists the recover calls body makes itself.
func (c *checker) recovers(body *ast.BlockStmt) []*ast.CallExpr {
	var list []*ast.CallExpr
	c.walk(body, func(k inspector.Cursor) bool {
		if n, ok := k.Node().(*ast.CallExpr); ok && httpsym.IsBuiltin(c.info, n, "recover") {
			list = append(list, n)
		}
		return true
	})
	return list
}

// recovery reports whether the goroutine lit recovers its panics, and
// whether it hands the value back: the deferred recover sends it on a
// channel or stores it in a captured variable, and the function that
// started the goroutine panics with what it receives from there.
func (c *checker) recovery(cur inspector.Cursor, lit *ast.FuncLit) (recovers_, handsBack bool) {
	sinks := make(map[types.Object]bool)
	captured := func(obj types.Object) bool {
		return obj != nil && (obj.Pos() < lit.Pos() || obj.Pos() >= lit.End())
	}
	for _, stmt := range lit.Body.List {
		d, ok := stmt.(*ast.DeferStmt)
		if !ok {
			continue // only deferred functions recover
		}
		var body *ast.BlockStmt
		if dl, ok := ast.Unparen(d.Call.Fun).(*ast.FuncLit); ok {
			body = dl.Body
		} else if fn := typeutil.StaticCallee(c.info, d.Call); fn != nil && c.decls[fn.Origin()] != nil {
			if len(c.recovers(c.decls[fn.Origin()].Body)) > 0 {
				return true, true // a recovery function: where it sends the value is beyond this check
			}
		}
		if body == nil {
			continue // a func value or a function without recover
		}
		calls := c.recovers(body)
		if len(calls) == 0 {
			continue // recovers nothing
		}
		if c.panics(body) {
			continue // re-panics on this goroutine: still nobody recovers it
		}
		recovers_ = true
		vals := make(map[types.Object]bool)
		isV := func(e ast.Expr) bool {
			found := false
			ast.Inspect(e, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.CallExpr:
					for _, rc := range calls {
						if n == rc {
							found = true
						}
					}
				case *ast.Ident:
					found = found || vals[c.info.ObjectOf(n)]
				}
				return !found
			})
			return found
		}
		c.walk(body, func(k inspector.Cursor) bool {
			switch n := k.Node().(type) {
			case *ast.AssignStmt:
				if len(n.Lhs) == len(n.Rhs) {
					for i, rhs := range n.Rhs {
						id, ok := n.Lhs[i].(*ast.Ident)
						if !ok || !isV(rhs) {
							continue
						}
						obj := c.info.ObjectOf(id)
						if captured(obj) {
							sinks[obj] = true
						} else if obj != nil {
							vals[obj] = true
						}
					}
				}
			case *ast.SendStmt:
				if isV(n.Value) {
					if id, ok := ast.Unparen(n.Chan).(*ast.Ident); ok && captured(c.info.ObjectOf(id)) {
						sinks[c.info.ObjectOf(id)] = true
					}
				}
			}
			return true
		})
	}
	if len(sinks) == 0 {
		return recovers_, false
	}
	// The starting function panics with a value that comes from a sink.
	var outerBody *ast.BlockStmt
	for f := range cur.Enclosing((*ast.FuncDecl)(nil), (*ast.FuncLit)(nil)) {
		switch n := f.Node().(type) {
		case *ast.FuncDecl:
			outerBody = n.Body
		case *ast.FuncLit:
			outerBody = n.Body
		}
		break
	}
	if outerBody == nil {
		return recovers_, false // package level: no handler goroutine to hand back to
	}

	mentions := func(e ast.Node) bool {
		found := false
		ast.Inspect(e, func(n ast.Node) bool {
			if id, ok := n.(*ast.Ident); ok && sinks[c.info.ObjectOf(id)] {
				found = true
			}
			return !found
		})
		return found
	}
	for changed := true; changed; {
		changed = false
		c.walk(outerBody, func(k inspector.Cursor) bool {
			if as, ok := k.Node().(*ast.AssignStmt); ok && len(as.Rhs) == 1 && mentions(as.Rhs[0]) {
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
	c.walk(outerBody, func(k inspector.Cursor) bool {
		if call, ok := k.Node().(*ast.CallExpr); ok && httpsym.IsBuiltin(c.info, call, "panic") && len(call.Args) == 1 && mentions(call.Args[0]) {
			handsBack = true
		}
		return !handsBack
	})
	return recovers_, handsBack
}

// inlineFix serves the goroutine's work on the handler goroutine when the
// handler waits for it right after starting it.
func (c *checker) inlineFix(cur inspector.Cursor, launch ast.Node, fun ast.Expr, lit *ast.FuncLit) (analysis.SuggestedFix, bool) {
	stmt := cur
	if _, ok := launch.(*ast.CallExpr); ok {
		stmt = cur.Parent()
		if es, ok := stmt.Node().(*ast.ExprStmt); !ok || es.X != launch {
			return analysis.SuggestedFix{}, false // the result is used
		}
		if !httpsym.IsMethod(typeutil.Callee(c.info, launch.(*ast.CallExpr)), "sync", "WaitGroup", "Go") {
			return analysis.SuggestedFix{}, false // time.AfterFunc delays the work: no wait follows it
		}
	}
	next, ok := stmt.NextSibling()
	if !ok {
		return analysis.SuggestedFix{}, false // the goroutine is the last statement: nothing waits for it
	}
	ch, ok := c.await(next.Node())
	if !ok {
		return analysis.SuggestedFix{}, false // not awaited right after: the handler goes on meanwhile
	}
	if lit == nil {
		if g, ok := launch.(*ast.GoStmt); ok {
			if l, ok := ast.Unparen(g.Call.Fun).(*ast.FuncLit); ok {
				lit = l
			}
		}
	}
	if lit != nil && ch != nil && c.sendsOn(lit.Body, ch) {
		return analysis.SuggestedFix{}, false // the goroutine signals by a send that would block the handler
	}
	f := c.file(launch)
	if f == nil {
		return analysis.SuggestedFix{}, false // source unavailable
	}
	return fixer.ServeInline(f, launch, fun)
}

// await reports whether stmt waits for a goroutine: wg.Wait(), <-ch or
// v := <-ch; for a receive it returns the channel's variable.
func (c *checker) await(stmt ast.Node) (types.Object, bool) {
	var x ast.Expr
	switch s := stmt.(type) {
	case *ast.ExprStmt:
		x = s.X
	case *ast.AssignStmt:
		if len(s.Rhs) != 1 {
			return nil, false
		}
		x = s.Rhs[0]
	default:
		return nil, false
	}
	switch x := ast.Unparen(x).(type) {
	case *ast.CallExpr:
		if httpsym.MethodIs(c.info, x, "sync", "WaitGroup", "Wait") {
			return nil, true
		}
	case *ast.UnaryExpr:
		if x.Op == token.ARROW {
			if id, ok := ast.Unparen(x.X).(*ast.Ident); ok {
				if obj := c.info.ObjectOf(id); obj != nil {
					return obj, true
				}
			}
		}
	}
	return nil, false
}

// sendsOn reports whether body sends on the channel variable ch.
func (c *checker) sendsOn(body *ast.BlockStmt, ch types.Object) bool {
	sends := false
	c.walk(body, func(k inspector.Cursor) bool {
		if s, ok := k.Node().(*ast.SendStmt); ok {
			if id, ok := ast.Unparen(s.Chan).(*ast.Ident); ok && c.info.ObjectOf(id) == ch {
				sends = true
			}
		}
		return !sends
	})
	return sends
}

func (c *checker) file(n ast.Node) *fixer.File { return fixer.Open(c.pass, n.Pos()) }

// funcOf returns the function or method a func-valued expression names.
func (c *checker) funcOf(e ast.Expr) *types.Func {
	var obj types.Object
	switch e := ast.Unparen(e).(type) {
	case *ast.Ident:
		obj = c.info.Uses[e]
	case *ast.SelectorExpr:
		if sel := c.info.Selections[e]; sel != nil {
			if sel.Kind() != types.MethodVal {
				return nil // a field holding a func: unknown
			}
			obj = sel.Obj()
		} else {
			obj = c.info.Uses[e.Sel]
		}
	}
	fn, _ := obj.(*types.Func)
	return fn
}

// panics reports whether body calls panic itself.
func (c *checker) panics(body *ast.BlockStmt) bool {
	found := false
	c.walk(body, func(k inspector.Cursor) bool {
		if n, ok := k.Node().(*ast.CallExpr); ok && httpsym.IsBuiltin(c.info, n, "panic") {
			found = true
		}
		return !found
	})
	return found
}

// recordSpawn notes which handler parameters of the enclosing function
// the goroutine started at cur serves: whether they stream is known only
// where the function is called.
func (c *checker) recordSpawn(cur inspector.Cursor, direct *ast.CallExpr, lit *ast.FuncLit) {
	var decl *ast.FuncDecl
	for f := range cur.Enclosing((*ast.FuncDecl)(nil)) {
		decl = f.Node().(*ast.FuncDecl)
	}
	if decl == nil {
		return // package-level: no parameters to serve
	}
	fn, _ := c.info.Defs[decl.Name].(*types.Func)
	if fn == nil {
		return // ill-typed
	}
	params := fn.Signature().Params()
	index := func(e ast.Expr) int {
		id, ok := ast.Unparen(e).(*ast.Ident)
		if !ok {
			return -1
		}
		for i := range params.Len() {
			if c.info.Uses[id] == params.At(i) && c.sym.IsHandler(params.At(i).Type()) {
				return i
			}
		}
		return -1
	}
	var found []int
	c.servedHandlers(direct, lit, func(h ast.Expr) {
		if i := index(h); i >= 0 && !slices.Contains(found, i) {
			found = append(found, i)
		}
	})
	if len(found) == 0 {
		return
	}
	sp := c.spawns[fn]
	if sp == nil {
		sp = &Spawns{Where: httpsym.Where(c.pass.Fset, cur.Node().Pos())}
		c.spawns[fn] = sp
	}
	for _, i := range found {
		if !slices.Contains(sp.Params, i) {
			sp.Params = append(sp.Params, i)
		}
	}
	slices.Sort(sp.Params)
}

// servedHandlers calls f with each handler the goroutine serves: the
// receiver of a ServeHTTP call, or a handler function called, in the call
// of go f(x) (direct) or in the body of the literal it runs (lit), not in
// goroutines that one starts.
func (c *checker) servedHandlers(direct *ast.CallExpr, lit *ast.FuncLit, f func(h ast.Expr)) {
	visit := func(call *ast.CallExpr) {
		fun, _ := typeutil.Callee(c.info, call).(*types.Func)
		if sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr); ok && fun != nil && fun.Name() == "ServeHTTP" && c.sym.IsHandlerSig(fun.Signature()) {
			f(sel.X)
		} else if sig := c.sigOf(call.Fun); sig != nil && c.sym.IsHandlerSig(sig) {
			f(call.Fun)
		}
	}
	if direct != nil {
		visit(direct)
	} else if lit != nil {
		c.walk(lit.Body, func(k inspector.Cursor) bool {
			switch n := k.Node().(type) {
			case *ast.GoStmt:
				return false // another goroutine
			case *ast.CallExpr:
				visit(n)
			}
			return true
		})
	}
}

// checkWrapping reports streams passed to functions that serve them on a
// goroutine nobody recovers.
func (c *checker) checkWrapping(insp *inspector.Inspector) {
	for cur := range insp.Root().Preorder((*ast.CallExpr)(nil)) {
		call := cur.Node().(*ast.CallExpr)
		fn := typeutil.StaticCallee(c.info, call)
		if fn == nil {
			continue // a func value: unknown
		}
		fn = fn.Origin()
		sp := c.spawns[fn]
		if fn.Pkg() != c.pass.Pkg {
			var f Spawns
			if fn.Pkg() == nil || !c.pass.ImportObjectFact(fn, &f) {
				continue // serves no parameter on a goroutine
			}
			sp = &f
		}
		if sp == nil {
			continue // serves no parameter on a goroutine
		}
		for _, i := range sp.Params {
			if i >= len(call.Args) {
				continue // variadic or ill-typed
			}
			arg := call.Args[i]
			s := c.flows.Handler(arg)
			if s == nil {
				continue // does not stream: no abort panic to lose
			}
			name := fn.Name()
			if fn.Pkg() != c.pass.Pkg {
				name = fn.Pkg().Name() + "." + name
			}
			cause := "an abort or any other panic"
			if s.Proxy {
				cause = "an http.ErrAbortHandler panic"
			}
			param := fn.Signature().Params().At(i).Name()
			d := analysis.Diagnostic{
				Pos: call.Pos(),
				End: call.End(),
				Message: fmt.Sprintf("%s serves its argument %s on a new goroutine (%s): given the stream %s (%s), %s crashes the process; serve %s on the handler goroutine",
					name, param, sp.Where, types.ExprString(arg), s.Describe(), cause, param),
			}
			for _, hop := range s.Hops {
				d.Related = append(d.Related, analysis.RelatedInformation{Pos: hop.Pos, Message: hop.Msg})
			}
			httpsym.Report(c.pass, d)
			break
		}
	}
}

// walk visits the nodes of the function body b in order, not descending
// into function literals (run later, if at all) or where f returns false.
func (c *checker) walk(b *ast.BlockStmt, f func(inspector.Cursor) bool) {
	cur, ok := c.bodies[b]
	if !ok {
		return // not a function body of this package
	}
	cur.Inspect(nil, func(k inspector.Cursor) bool {
		if _, lit := k.Node().(*ast.FuncLit); lit {
			return false
		}
		return f(k)
	})
}

// sigOf returns the signature of a func-valued expression, through named
// func types such as http.HandlerFunc, or nil for a type or a non-func.
func (c *checker) sigOf(e ast.Expr) *types.Signature {
	tv, ok := c.info.Types[e]
	if !ok || tv.IsType() || tv.Type == nil {
		return nil
	}
	sig, _ := tv.Type.Underlying().(*types.Signature)
	return sig
}
