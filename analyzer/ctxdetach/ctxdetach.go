package ctxdetach

import (
	_ "embed"
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"go/version"

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

func init() { streamflow.ExposeHandlers(Analyzer) }

// Analyzer reports requests served to a streaming handler with a detached
// context.
var Analyzer = &analysis.Analyzer{
	Name:      "ctxdetach",
	Doc:       httpsym.ExtractDoc(doc, "ctxdetach"),
	URL:       "https://github.com/streamvet/streamvet/blob/main/analyzer/ctxdetach/doc.go",
	Requires:  []*analysis.Analyzer{inspect.Analyzer, streamflow.Analyzer},
	Run:       run,
	FactTypes: []analysis.Fact{new(Detached), new(Detaches)},
}

// Detached is the fact that a function returns a context with neither the
// server's values nor its cancellation: context.Background(), TODO(), or
// a context derived from them.
type Detached struct {
	Root string // "context.Background()"
	Done bool   // the context has a Done channel of its own (a deadline)
}

func (*Detached) AFact() {}

func (f *Detached) String() string { return "returns " + f.Root }

// Detaches is the fact that a function serves the handler passed as its
// argument Param with a request whose context was replaced by Root.
type Detaches struct {
	Param int
	Root  string
	Where string
}

func (*Detaches) AFact() {}

func (f *Detaches) String() string {
	return fmt.Sprintf("detaches arg%d with %s", f.Param, f.Root)
}

// origin is where a detached context comes from.
type origin struct {
	call   *ast.CallExpr // the call that makes it: context.Background() or a function that returns it
	root   string        // "context.Background()"
	fn     string        // the function's name when call is not root itself
	direct bool          // call is context.Background or context.TODO
	done   bool          // derived with its own Done channel (WithCancel, WithTimeout, ...)
	req    ast.Expr      // the request whose context was replaced, if known
	fixAt  *ast.CallExpr // the call the fix replaces, when not call
}

func (o *origin) describe() string {
	if o.fn == "" {
		return o.root
	}
	return o.fn + " (which returns " + o.root + ")"
}

type assign struct {
	pos token.Pos
	rhs ast.Expr
}

type checker struct {
	pass    *analysis.Pass
	insp    *inspector.Inspector
	flows   *streamflow.Result
	sym     *httpsym.Symbols
	decls   map[*types.Func]*ast.FuncDecl
	assigns map[*types.Var][]assign
	funcs   map[*types.Func]*origin
	busy    map[any]bool
}

// served is one streaming handler a detached request reaches.
type served struct {
	at      token.Pos // the ServeHTTP call, or the middleware's call site
	handler string
	stream  *streamflow.Stream
	via     []analysis.RelatedInformation
}

// finding is one diagnostic: a detached context and the streams it reaches.
type finding struct {
	node   ast.Node // where to report
	who    string   // what replaces the context
	o      *origin
	served []served
}

func run(pass *analysis.Pass) (any, error) {
	// Fast path: without context or net/http there is nothing to detach or serve.
	if !httpsym.Imports(pass.Pkg, "context") && !httpsym.Imports(pass.Pkg, "net/http") {
		return nil, nil
	}
	c := &checker{
		pass:    pass,
		insp:    pass.ResultOf[inspect.Analyzer].(*inspector.Inspector),
		flows:   pass.ResultOf[streamflow.Analyzer].(*streamflow.Result),
		decls:   make(map[*types.Func]*ast.FuncDecl),
		assigns: make(map[*types.Var][]assign),
		funcs:   make(map[*types.Func]*origin),
		busy:    make(map[any]bool),
	}
	c.index()
	for fn := range c.decls {
		if o := c.funcReturns(fn); o != nil {
			pass.ExportObjectFact(fn, &Detached{Root: o.root, Done: o.done})
		}
	}
	c.sym = httpsym.Lookup(pass.Pkg)
	if c.sym == nil || !httpsym.ImportsHTTP(pass.Pkg) {
		return nil, nil // serves nothing: functions returning contexts only
	}
	c.check()
	return nil, nil
}

// index records function declarations and, flow-insensitively, every
// value stored in a variable with its position.
func (c *checker) index() {
	info := c.pass.TypesInfo
	store := func(lhs ast.Expr, rhs ast.Expr, pos token.Pos) {
		if id, ok := ast.Unparen(lhs).(*ast.Ident); ok {
			if v, ok := info.ObjectOf(id).(*types.Var); ok {
				c.assigns[v] = append(c.assigns[v], assign{pos, rhs})
			}
		}
	}
	for cur := range c.insp.Root().Preorder((*ast.FuncDecl)(nil), (*ast.AssignStmt)(nil), (*ast.ValueSpec)(nil)) {
		switch n := cur.Node().(type) {
		case *ast.FuncDecl:
			if fn, ok := info.Defs[n.Name].(*types.Func); ok && n.Body != nil {
				c.decls[fn] = n
			}
		case *ast.AssignStmt:
			switch {
			case len(n.Lhs) == len(n.Rhs):
				for i := range n.Lhs {
					store(n.Lhs[i], n.Rhs[i], n.Pos())
				}
			case len(n.Rhs) == 1:
				// ctx, cancel := context.WithTimeout(...): the context is
				// the first result.
				store(n.Lhs[0], n.Rhs[0], n.Pos())
			}
		case *ast.ValueSpec:
			switch {
			case len(n.Names) == len(n.Values):
				for i := range n.Names {
					store(n.Names[i], n.Values[i], n.Pos())
				}
			case len(n.Values) == 1:
				store(n.Names[0], n.Values[0], n.Pos())
			}
		}
	}
}

// ctx reports where the context expression e, evaluated at pos, comes
// from when it is detached, or nil.
func (c *checker) ctx(e ast.Expr, at token.Pos) *origin {
	info := c.pass.TypesInfo
	switch e := ast.Unparen(e).(type) {
	case *ast.CallExpr:
		fn, _ := typeutil.Callee(info, e).(*types.Func)
		switch {
		case fn == nil:
			return nil // a func value: unknown
		case httpsym.IsFunc(fn, "context", "Background", "TODO"):
			return &origin{call: e, root: "context." + fn.Name() + "()", direct: true}
		case httpsym.IsFunc(fn, "context", "WithValue", "WithoutCancel"):
			if len(e.Args) == 0 {
				return nil
			}
			o := c.ctx(e.Args[0], at)
			if o != nil && o.direct && fn.Name() == "WithoutCancel" && o.call == ast.Unparen(e.Args[0]) {
				d := *o
				d.fixAt = e // the fix rewrites context.WithoutCancel(context.Background()) whole
				return &d
			}
			return o
		case httpsym.IsFunc(fn, "context", "WithCancel", "WithCancelCause", "WithTimeout", "WithTimeoutCause", "WithDeadline", "WithDeadlineCause"):
			if len(e.Args) > 0 {
				if o := c.ctx(e.Args[0], at); o != nil {
					d := *o
					d.done = true
					return &d
				}
			}
		case httpsym.IsMethod(fn, "net/http", "Request", "Context"):
			if sel, ok := ast.Unparen(e.Fun).(*ast.SelectorExpr); ok {
				return c.req(sel.X, at)
			}
		case fn.Pkg() != nil && fn.Pkg().Path() == "context":
			return nil // context.WithoutCancel of a live context and the like
		default:
			if o := c.funcReturns(fn); o != nil {
				return &origin{call: e, root: o.root, fn: types.ExprString(e.Fun) + "()", done: o.done}
			}
		}
	case *ast.Ident:
		return c.local(e, at, c.ctx)
	}
	return nil
}

// req reports where the context of the request expression e, evaluated
// at pos, comes from when it was replaced by a detached one, or nil.
func (c *checker) req(e ast.Expr, at token.Pos) *origin {
	switch e := ast.Unparen(e).(type) {
	case *ast.CallExpr:
		if !httpsym.MethodIs(c.pass.TypesInfo, e, "net/http", "Request", "WithContext", "Clone") || len(e.Args) != 1 {
			// http.NewRequest and friends build a request served
			// directly, which is what tests do with a recorder.
			return nil
		}
		o := c.ctx(e.Args[0], at)
		if o != nil && o.req == nil {
			d := *o
			d.req = ast.Unparen(e.Fun).(*ast.SelectorExpr).X
			return &d
		}
		return o
	case *ast.Ident:
		return c.local(e, at, c.req)
	}
	return nil
}

// local evaluates a variable from the values stored in it before at (any
// of them, for package-level variables).
func (c *checker) local(id *ast.Ident, at token.Pos, eval func(ast.Expr, token.Pos) *origin) *origin {
	v, ok := c.pass.TypesInfo.Uses[id].(*types.Var)
	if !ok || v.IsField() || c.busy[v] {
		return nil // fields are set anywhere: unknown
	}
	c.busy[v] = true
	defer delete(c.busy, v)
	global := v.Parent() == c.pass.Pkg.Scope()
	for _, a := range c.assigns[v] {
		if !global && a.pos >= at {
			continue // stored after this use
		}
		if o := eval(a.rhs, a.pos); o != nil {
			return o
		}
	}
	return nil
}

// funcReturns reports whether every return of fn yields a detached
// context, from a summary of its body or from a fact.
func (c *checker) funcReturns(fn *types.Func) *origin {
	fn = fn.Origin()
	if fn.Pkg() != c.pass.Pkg {
		var f Detached
		if fn.Pkg() != nil && c.pass.ImportObjectFact(fn, &f) {
			return &origin{root: f.Root, done: f.Done}
		}
		return nil
	}
	if o, ok := c.funcs[fn]; ok {
		return o
	}
	decl := c.decls[fn]
	res := fn.Signature().Results()
	idx := -1
	for i := range res.Len() {
		if httpsym.IsNamed(res.At(i).Type(), "context", "Context") {
			idx = i
			break
		}
	}
	if decl == nil || idx < 0 || c.busy[fn] {
		return nil // no body, no context result, or recursion
	}
	c.busy[fn] = true
	defer delete(c.busy, fn)
	var o *origin
	for _, ret := range httpsym.Returns(decl.Body) {
		var r *origin
		switch {
		case len(ret.Results) == res.Len():
			r = c.ctx(ret.Results[idx], ret.Pos())
		case len(ret.Results) == 1 && idx == 0:
			r = c.ctx(ret.Results[0], ret.Pos()) // return context.WithTimeout(...)
		}
		if r == nil {
			o = nil // some path returns a live context
			break
		}
		if o == nil {
			o = r
		}
	}
	c.funcs[fn] = o
	return o
}

// streams reports how the handler expression h streams, when a detached
// context costs something there.
func (c *checker) streams(h ast.Expr) *streamflow.Stream {
	s := c.flows.Handler(h)
	if s == nil || s.Dir&streamflow.Writes == 0 && !s.Proxy {
		return nil // no stream, or an upload only: its body read ends with the connection
	}
	return s
}

// middleware is a function that serves its handler parameter with a
// detached request.
type middleware struct {
	fn    types.Object
	param int
	o     *origin
	serve *ast.CallExpr
}

func (c *checker) check() {
	info := c.pass.TypesInfo
	findings := make(map[ast.Node]*finding)
	var order []ast.Node
	add := func(node ast.Node, who string, o *origin, sv served) {
		f := findings[node]
		if f == nil {
			f = &finding{node: node, who: who, o: o}
			findings[node] = f
			order = append(order, node)
		}
		f.served = append(f.served, sv)
	}
	var mws []middleware
	for cur := range c.insp.Root().Preorder((*ast.CallExpr)(nil)) {
		call := cur.Node().(*ast.CallExpr)
		if len(call.Args) != 2 {
			continue
		}
		handler := c.handlerOf(call)
		if handler == nil {
			continue
		}
		if httpsym.IsNamed(info.TypeOf(call.Args[0]), "net/http/httptest", "ResponseRecorder") {
			continue // a test serving a recorder: no connection, no client to mislead
		}
		o := c.req(call.Args[1], call.Pos())
		if o == nil {
			continue // the request keeps its context
		}
		if s := c.streams(handler); s != nil {
			add(o.call, o.describe(), o, served{at: call.Pos(), handler: types.ExprString(handler), stream: s})
			continue
		}
		fn, param, _ := httpsym.ParamOf(info, cur, handler)
		if fn == nil {
			continue // the handler is unknown and not a parameter: nothing says it streams
		}
		mws = append(mws, middleware{fn, param, o, call})
	}
	// Middleware: report when a caller in this package passes a stream.
	exported := make(map[types.Object]bool)
	for _, mw := range mws {
		if fn, ok := mw.fn.(*types.Func); ok && !exported[fn] {
			exported[fn] = true
			c.pass.ExportObjectFact(fn, &Detaches{Param: mw.param, Root: mw.o.root, Where: httpsym.Where(c.pass.Fset, mw.o.call.Pos())})
		}
		for _, site := range httpsym.CallsTo(c.insp, info, mw.fn) {
			call := site.Node().(*ast.CallExpr)
			if mw.param >= len(call.Args) {
				continue
			}
			arg := call.Args[mw.param]
			s := c.streams(arg)
			if s == nil {
				continue // this caller wraps a handler that does not stream
			}
			add(mw.o.call, mw.o.describe(), mw.o, served{
				at:      mw.serve.Pos(),
				handler: types.ExprString(arg) + " (through " + mw.fn.Name() + ")",
				stream:  s,
				via:     []analysis.RelatedInformation{{Pos: call.Pos(), Message: mw.fn.Name() + " wraps " + types.ExprString(arg) + " here"}},
			})
		}
	}
	// Middleware from other packages, known by their facts.
	for cur := range c.insp.Root().Preorder((*ast.CallExpr)(nil)) {
		call := cur.Node().(*ast.CallExpr)
		fn, _ := typeutil.Callee(info, call).(*types.Func)
		if fn == nil || fn.Pkg() == nil || fn.Pkg() == c.pass.Pkg {
			continue
		}
		var d Detaches
		if !c.pass.ImportObjectFact(fn, &d) || d.Param >= len(call.Args) {
			continue
		}
		arg := call.Args[d.Param]
		s := c.streams(arg)
		if s == nil {
			continue // the wrapped handler does not stream
		}
		who := types.ExprString(call.Fun) + " (with " + d.Root + ", " + d.Where + ")"
		add(call, who, &origin{root: d.Root}, served{at: call.Pos(), handler: types.ExprString(arg), stream: s})
	}
	for _, node := range order {
		c.report(findings[node])
	}
}

// handlerOf returns the handler a call serves: h in h.ServeHTTP(w, r), or
// f in f(w, r) for a handler function.
func (c *checker) handlerOf(call *ast.CallExpr) ast.Expr {
	info := c.pass.TypesInfo
	if tv, ok := info.Types[call.Fun]; ok && tv.IsType() {
		return nil // a conversion
	}
	t := info.TypeOf(call.Fun)
	if t == nil {
		return nil
	}
	sig, ok := t.Underlying().(*types.Signature)
	if !ok || !c.sym.IsHandlerSig(sig) {
		return nil
	}
	if sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr); ok && sel.Sel.Name == "ServeHTTP" {
		if s := info.Selections[sel]; s != nil && s.Kind() == types.MethodVal {
			return sel.X
		}
	}
	return call.Fun
}

func (c *checker) report(f *finding) {
	sv := f.served[0]
	for _, s := range f.served {
		if s.stream.Proxy {
			sv = s
			break
		}
	}
	req := "r"
	if id, ok := f.o.req.(*ast.Ident); ok {
		req = id.Name
	}
	var msg string
	if sv.stream.Proxy {
		// One short sentence of fact and remedy; the why is in doc.go.
		msg = fmt.Sprintf("%s detaches the request served to %s (%s): truncated responses look complete", f.who, sv.handler, sv.stream.Describe())
		if f.o.done {
			msg += " and a client leaving no longer cancels the upstream"
		}
		msg += fmt.Sprintf("; use context.WithoutCancel(%s.Context())", req)
	} else {
		msg = fmt.Sprintf("%s detaches the request served to %s (%s): the stream runs on after the client leaves; serve it with %s.Context()", f.who, sv.handler, sv.stream.Describe(), req)
	}
	d := analysis.Diagnostic{Pos: f.node.Pos(), End: f.node.End(), Message: msg}
	for _, s := range f.served {
		d.Related = append(d.Related, s.via...)
		if s.at != f.node.Pos() {
			d.Related = append(d.Related, analysis.RelatedInformation{Pos: s.at, Message: "served to " + s.handler + " here"})
		}
	}
	for _, hop := range sv.stream.Hops {
		d.Related = append(d.Related, analysis.RelatedInformation{Pos: hop.Pos, Message: hop.Msg})
	}
	if sv.stream.Proxy {
		if fix, ok := c.fix(f); ok {
			d.SuggestedFixes = []analysis.SuggestedFix{fix}
		}
	}
	httpsym.Report(c.pass, d)
}

// fix replaces context.Background() or TODO() with
// context.WithoutCancel(r.Context()), where r is the request whose context
// it replaces and is in scope there.
func (c *checker) fix(f *finding) (analysis.SuggestedFix, bool) {
	if f.o == nil || !f.o.direct || f.o.call != f.node {
		return analysis.SuggestedFix{}, false // a function's or another package's context: edit it there
	}
	id, ok := f.o.req.(*ast.Ident)
	if !ok {
		return analysis.SuggestedFix{}, false
	}
	info := c.pass.TypesInfo
	pos := f.o.call.Pos()
	if scope := c.pass.Pkg.Scope().Innermost(pos); scope == nil {
		return analysis.SuggestedFix{}, false
	} else if _, obj := scope.LookupParent(id.Name, pos); obj == nil || obj != info.Uses[id] {
		return analysis.SuggestedFix{}, false // the request is not in scope at the Background call
	}
	file := httpsym.FileOf(c.pass, pos)
	if file == nil {
		return analysis.SuggestedFix{}, false
	}
	if v := info.FileVersions[file]; v != "" && version.Compare(v, "go1.21") < 0 {
		return analysis.SuggestedFix{}, false // context.WithoutCancel is new in Go 1.21
	}
	ff := fixer.Open(c.pass, file.Pos())
	if ff == nil {
		return analysis.SuggestedFix{}, false
	}
	at := f.o.call
	if f.o.fixAt != nil {
		at = f.o.fixAt
	}
	return fixer.KeepRequestValues(ff, at, id.Name)
}
