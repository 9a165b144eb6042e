package streamflow

import (
	_ "embed"
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/inspect"
	"golang.org/x/tools/go/ast/inspector"

	"github.com/streamvet/streamvet/analyzer/internal/httpsym"
)

//go:embed doc.go
var doc string

// Analyzer computes which handlers stream; see the package doc.
var Analyzer = &analysis.Analyzer{
	Name:       "streamflow",
	Doc:        httpsym.ExtractDoc(doc, "streamflow"),
	URL:        "https://github.com/streamvet/streamvet/blob/main/analyzer/streamflow/doc.go",
	Requires:   []*analysis.Analyzer{inspect.Analyzer},
	Run:        run,
	ResultType: reflect.TypeFor[*Result](),
	FactTypes:  []analysis.Fact{new(Streams), new(Passes), new(MuxStreams), new(Registers), new(Flushes)},
}

// Handlers names functions and methods that return, or are, a streaming
// handler although their code does not show it (an API whose source the
// analysis cannot see, or streams it cannot recognize). Every check that
// requires streamflow exposes it as its -handlers flag.
var Handlers = new(httpsym.FuncList)

// HandlersUsage documents the -handlers flag.
const HandlersUsage = "comma-separated functions and methods, by import path (example.com/pkg.NewRouter, example.com/pkg.(*T).Stream), that return or are a streaming handler"

func init() { ExposeHandlers(Analyzer) }

// ExposeHandlers gives a check that requires streamflow the -handlers flag:
// go vet passes flags only to the checks it runs, not to their
// requirements.
func ExposeHandlers(a *analysis.Analyzer) { a.Flags.Var(Handlers, "handlers", HandlersUsage) }

// configured is the stream of a function named in Handlers.
func configured(fn *types.Func) *Stream {
	return &Stream{Dir: Writes | Reads, Source: fn.FullName() + ", named by -handlers"}
}

// Dir says which way a handler streams.
type Dir uint8

const (
	// Writes: the response can outlive a fixed write deadline.
	Writes Dir = 1 << iota
	// Reads: the request body can outlive a fixed read deadline.
	Reads
)

func (d Dir) String() string {
	switch d {
	case Writes:
		return "writes"
	case Reads:
		return "reads"
	case Writes | Reads:
		return "writes+reads"
	}
	return "none"
}

// Stream says why a handler streams.
type Stream struct {
	Dir    Dir
	Source string // what streams, e.g. "httputil.ReverseProxy" or "a Flush loop"
	Where  string // file.go:line of the source
	Proxy  bool   // the source is a ReverseProxy, which panics ErrAbortHandler on a failed copy
	// Hops lead from the evaluated expression to the source, outermost
	// first; only hops inside the current package have positions.
	Hops []Hop
	// Uncleared explains a deadline-clearing call that does not count:
	// its error is ignored (it fails with http.ErrNotSupported through
	// wrappers without Unwrap), or it runs on some paths only.
	Uncleared    string
	UnclearedDir Dir
	// Unwrapped are the directions that a deadline clear whose error is
	// ignored does take off, as long as the handler gets the server's own
	// ResponseWriter: nothing between them wraps it (muxes, StripPrefix,
	// HandlerFunc pass it on as it is).
	Unwrapped Dir

	// Reader is 1 + the index of the parameter of the summarized helper
	// whose reader its io.Copy or ServeContent sends (Stream(status,
	// ctype, reader)), or 0: an in-memory argument makes no stream.
	Reader int

	own Dir     // the directions this stream's own source explains
	alt *Stream // the stream that explains the other directions
}

// For returns the stream that explains direction d: after a union, the
// write side and the read side may have different sources.
func (s *Stream) For(d Dir) *Stream {
	if s == nil {
		return nil
	}
	own := s.own
	if own == 0 {
		own = s.Dir
	}
	if own&d == 0 && s.alt != nil {
		return s.alt.For(d)
	}
	return s
}

// Proxied returns the stream, among those s unites, that is a
// ReverseProxy, or nil: only a proxy panics with http.ErrAbortHandler
// mid-stream, so only it loses an abort to a recover.
func (s *Stream) Proxied() *Stream {
	for ; s != nil; s = s.alt {
		if s.Proxy {
			return s
		}
	}
	return nil
}

// Hop is one step on the path from a server to a stream.
type Hop struct {
	Pos token.Pos
	Msg string
}

// Describe renders the source and where it is defined.
func (s *Stream) Describe() string {
	if s.Where == "" {
		return s.Source
	}
	return s.Source + ", " + s.Where
}

func (s *Stream) only(d Dir) *Stream {
	if s == nil || s.Dir&d == 0 {
		return nil
	}
	if s.Dir == d {
		return s
	}
	c := *s
	c.Dir &= d
	return &c
}

func (s *Stream) via(pos token.Pos, msg string) *Stream {
	if s == nil || !pos.IsValid() {
		return s
	}
	if len(s.Hops) > 0 && s.Hops[0].Pos == pos {
		return s // the inner step already explains this position
	}
	c := *s
	c.Hops = append([]Hop{{pos, msg}}, s.Hops...)
	c.alt = s.alt.via(pos, msg)
	return &c
}

// union keeps every direction that either stream has; the first stream
// names the source.
func union(a, b *Stream) *Stream {
	switch {
	case a == nil:
		return b
	case b == nil || b.Dir&^a.Dir == 0:
		return a
	}
	c := *a
	if c.own == 0 {
		c.own = a.Dir
	}
	c.alt = union(a.alt, b)
	c.Dir |= b.Dir
	// A direction stays cleared only if every stream that has it is.
	c.Unwrapped = a.Unwrapped&b.Unwrapped | a.Unwrapped&^b.Dir | b.Unwrapped&^a.Dir
	if c.Uncleared == "" {
		c.Uncleared, c.UnclearedDir = b.Uncleared, b.UnclearedDir
	}
	return &c
}

// Streams is the fact that a function, method, variable or field yields a
// streaming handler. On a func(http.ResponseWriter, *http.Request) or a
// ServeHTTP method it means the body streams; on any other function, that
// its result does.
type Streams struct {
	Dir    Dir
	Source string
	Where  string
	Proxy  bool
	// Own and Alt keep a union's sides apart: the directions Source
	// explains, and the stream that explains the others.
	Own    Dir
	Alt    *Streams
	Reader int
}

func (*Streams) AFact() {}

// factOf is the fact form of s.
func factOf(s *Stream) *Streams {
	if s == nil {
		return nil
	}
	return &Streams{Dir: s.Dir, Source: s.Source, Where: s.Where, Proxy: s.Proxy, Own: s.own, Alt: factOf(s.alt), Reader: s.Reader}
}

func (f *Streams) String() string { return "streams " + f.Dir.String() + ": " + f.Source }

func (f *Streams) stream() *Stream {
	if f == nil {
		return nil
	}
	return &Stream{Dir: f.Dir, Source: f.Source, Where: f.Where, Proxy: f.Proxy, own: f.Own, alt: f.Alt.stream(), Reader: f.Reader}
}

// Passes is the fact that a function's result streams whenever one of the
// given arguments does (middleware), or, on a ServeHTTP method, whenever
// one of the named fields of the receiver does (a wrapper type).
type Passes struct {
	Params []int
	Fields []string
	Clears Dir // directions the wrapper clears before delegating
}

func (*Passes) AFact() {}

func (f *Passes) String() string {
	var parts []string
	for _, p := range f.Params {
		if p < 0 {
			parts = append(parts, "receiver")
			continue
		}
		parts = append(parts, "arg"+strconv.Itoa(p))
	}
	parts = append(parts, f.Fields...)
	return "passes " + strings.Join(parts, ",")
}

// MuxStreams is the package fact that the package registers a streaming
// handler on http.DefaultServeMux.
type MuxStreams struct{ Streams }

func (*MuxStreams) AFact() {}

func (f *MuxStreams) String() string { return "default mux " + f.Streams.String() }

// Result answers whether handler expressions of the current package
// stream. The checks of one package run concurrently and share it, and
// its answers fill caches: mu serialises them.
type Result struct {
	mu sync.Mutex
	a  *state
}

// Handler reports how the handler expression e streams, or nil.
func (r *Result) Handler(e ast.Expr) *Stream {
	if r == nil || r.a == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.a.eval(e, nil).s
}

// Wraps returns the parameters of fn (-1: its receiver) whose handlers
// the handler expression e, in fn's body, serves: h2c.NewHandler(h, s),
// cors(h), h itself.
func (r *Result) Wraps(e ast.Expr, fn *types.Func) []int {
	if r == nil || r.a == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.a.eval(e, r.a.envOf(fn)).params
}

// DefaultMux reports how the handlers registered on http.DefaultServeMux,
// here or in any dependency, stream, or nil.
func (r *Result) DefaultMux() *Stream {
	if r == nil || r.a == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.a.defaultMux()
}

// Func reports how the handler function or method fn streams, or nil.
func (r *Result) Func(fn *types.Func) *Stream {
	if r == nil || r.a == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.a.funcFlow(fn).resolve(r.a)
}

// IsHandler reports whether a value of type t can serve HTTP.
func (r *Result) IsHandler(t types.Type) bool {
	return r != nil && r.a != nil && r.a.sym.IsHandler(t)
}

func run(pass *analysis.Pass) (any, error) {
	// Fast path: a package that cannot reach net/http serves nothing.
	sym := httpsym.Lookup(pass.Pkg)
	if sym == nil {
		return &Result{}, nil
	}
	a := newAnalysis(pass, sym)
	a.exportFacts()
	return &Result{a: a}, nil
}

// state is the per-package state: an index of what is assigned to each
// variable and field, and memoized function summaries.
type state struct {
	pass        *analysis.Pass
	sym         *httpsym.Symbols
	decls       map[*types.Func]*ast.FuncDecl
	assigns     map[*types.Var][]ast.Expr    // values stored in a variable or field
	keyed       map[*types.Var][]ast.Expr    // field values from composite literals
	routes      map[*types.Var][]ast.Expr    // handlers registered on a mux held in the variable
	derived     map[*types.Var][]*types.Var  // routers derived from the variable's (groups, sub-routers)
	results     map[*types.Var]*ast.CallExpr // v of v, err := f(): the call whose first result it holds
	stored      map[storedKey]flow           // storedRoutes, memoized
	routerTypes map[types.Type]bool          // registersHandlers, memoized
	passed      map[*types.Var][]argUse      // calls the variable is passed to: register(mux)
	regs        map[regKey]flow              // what a function registers on a parameter
	muxRegs     []ast.Expr                   // handlers registered on http.DefaultServeMux
	params      map[*types.Var]bool          // parameters of every function
	paramAt     map[*types.Var]paramSite     // parameters of declared functions
	calls       map[*types.Func][]*ast.CallExpr
	argsIn      map[*types.Var]*Stream // what callers pass to a parameter stored in a field
	flushers    map[*types.Func]bool   // helpers that flush on every call
	noBody      map[ast.Expr]bool      // handlers registered for GET, HEAD or OPTIONS only
	funcs       map[*types.Func]*flow
	vars        map[*types.Var]*Stream
	busy        map[any]bool
	written     map[types.Object]bool       // variables and fields naming directories the program writes files into
	stores      map[*types.Var][]fieldStore // v.F = x, by the local variable v
	flushedF    map[*types.Var]bool         // ResponseWriter fields code flushes events through
}

// fieldStore is an assignment to a field path of a local variable.
type fieldStore struct {
	path  []string
	value ast.Expr
}

// flow is what evaluating a handler expression yields: a concrete stream,
// and the parameters and receiver fields of the function being summarized
// that flow into the result.
type flow struct {
	s       *Stream
	params  []int
	fields  []*types.Var
	pfields []ParamField // fields of parameters: h.Download of Mount(mux, h)
	clears  Dir
}

// ParamField is a field path of a parameter of the function summarized:
// what the caller passes decides what is stored there.
type ParamField struct {
	Param int
	Path  []string
}

func (f flow) empty() bool {
	return f.s == nil && len(f.params) == 0 && len(f.fields) == 0 && len(f.pfields) == 0
}

func (f flow) join(g flow) flow {
	// A direction stays cleared only if every joined path clears it.
	switch {
	case f.empty() && f.clears == 0:
		f.clears = g.clears
	case !g.empty():
		f.clears &= g.clears
	}
	f.s = union(f.s, g.s)
	for _, p := range g.params {
		if !slices.Contains(f.params, p) {
			f.params = append(f.params, p)
		}
	}
	for _, v := range g.fields {
		if !slices.Contains(f.fields, v) {
			f.fields = append(f.fields, v)
		}
	}
	for _, pf := range g.pfields {
		if !slices.ContainsFunc(f.pfields, func(q ParamField) bool { return q.Param == pf.Param && slices.Equal(q.Path, pf.Path) }) {
			f.pfields = append(f.pfields, pf)
		}
	}
	return f
}

// resolve turns a summary into a stream for an unknown receiver: fields
// resolve to everything stored in them anywhere in the package.
func (f *flow) resolve(a *state) *Stream {
	if f == nil {
		return nil
	}
	s := f.s
	for _, v := range f.fields {
		s = union(s, a.varStream(v))
	}
	return clear(s, f.clears)
}

func clear(s *Stream, d Dir) *Stream {
	if s == nil || d == 0 {
		return s
	}
	return s.only(s.Dir &^ d)
}

// env binds the parameters and receiver of the function being summarized.
// An env with callers set evaluates a value stored in a field or package
// variable: a parameter of a declared function stands for what the
// package's calls pass to it (the functional option SetHandler(h) that
// returns func(o *T) { o.handler = h }).
type env struct {
	params  map[*types.Var]int
	recv    *types.Var
	callers bool
}

// storedEnv evaluates values stored in fields and package variables.
var storedEnv = &env{callers: true}

// paramSite is parameter i of a declared function (i ≥ its last index
// for the variadic one).
type paramSite struct {
	fn *types.Func
	i  int
}

func newAnalysis(pass *analysis.Pass, sym *httpsym.Symbols) *state {
	a := &state{
		pass:        pass,
		sym:         sym,
		decls:       make(map[*types.Func]*ast.FuncDecl),
		assigns:     make(map[*types.Var][]ast.Expr),
		keyed:       make(map[*types.Var][]ast.Expr),
		routes:      make(map[*types.Var][]ast.Expr),
		derived:     make(map[*types.Var][]*types.Var),
		results:     make(map[*types.Var]*ast.CallExpr),
		stored:      make(map[storedKey]flow),
		routerTypes: make(map[types.Type]bool),
		passed:      make(map[*types.Var][]argUse),
		regs:        make(map[regKey]flow),
		funcs:       make(map[*types.Func]*flow),
		vars:        make(map[*types.Var]*Stream),
		busy:        make(map[any]bool),
		params:      make(map[*types.Var]bool),
		paramAt:     make(map[*types.Var]paramSite),
		calls:       make(map[*types.Func][]*ast.CallExpr),
		argsIn:      make(map[*types.Var]*Stream),
		flushers:    make(map[*types.Func]bool),
		noBody:      make(map[ast.Expr]bool),
	}
	a.index()
	return a
}

// index records, flow-insensitively, every value stored in a variable or
// field and every handler registered on a mux.
func (a *state) index() {
	info := a.pass.TypesInfo
	insp := a.pass.ResultOf[inspect.Analyzer].(*inspector.Inspector)
	store := func(lhs ast.Expr, rhs ast.Expr) {
		if ix, ok := ast.Unparen(lhs).(*ast.IndexExpr); ok {
			lhs = ix.X // proxies[host] = p: containers hold what their elements do
		}
		if v := a.varOf(lhs); v != nil {
			a.assigns[v] = append(a.assigns[v], rhs)
		}
		a.indexFieldRoute(lhs, rhs)
		a.indexDerived(lhs, rhs)
	}
	for c := range insp.Root().Preorder((*ast.FuncType)(nil), (*ast.FuncDecl)(nil), (*ast.AssignStmt)(nil), (*ast.ValueSpec)(nil), (*ast.CompositeLit)(nil), (*ast.CallExpr)(nil), (*ast.RangeStmt)(nil)) {
		switch n := c.Node().(type) {
		case *ast.RangeStmt:
			// for _, h := range handlers: h holds what the elements do.
			if n.Value != nil && a.handlerType(typeOf(info, n.Value)) {
				store(n.Value, n.X)
			}
		case *ast.FuncType:
			if n.Params != nil {
				for _, field := range n.Params.List {
					for _, name := range field.Names {
						if v, ok := info.Defs[name].(*types.Var); ok {
							a.params[v] = true
						}
					}
				}
			}
		case *ast.FuncDecl:
			if fn, ok := info.Defs[n.Name].(*types.Func); ok && n.Body != nil {
				a.decls[fn] = n
				if fn.Signature().Recv() == nil {
					// A method's parameter is bound per receiver instead:
					// rt.Handle(p, h) routes rt to h.
					params := fn.Signature().Params()
					for i := range params.Len() {
						a.paramAt[params.At(i)] = paramSite{fn, i}
					}
				}
			}
		case *ast.AssignStmt:
			if len(n.Lhs) == len(n.Rhs) {
				for i := range n.Lhs {
					store(n.Lhs[i], n.Rhs[i])
				}
			} else if i := a.handlerResult(n.Lhs, n.Rhs); i >= 0 {
				store(n.Lhs[i], n.Rhs[0])
			} else if len(n.Lhs) == 2 && len(n.Rhs) == 1 {
				switch rhs := ast.Unparen(n.Rhs[0]).(type) {
				case *ast.TypeAssertExpr, *ast.IndexExpr:
					store(n.Lhs[0], rhs) // v, ok := x.(T); h, ok := handlers[name]
				case *ast.CallExpr:
					if v := a.varOf(n.Lhs[0]); v != nil {
						a.results[v] = rhs // r, err := NewRouter(app)
					}
				}
			}
		case *ast.ValueSpec:
			if len(n.Names) == len(n.Values) {
				for i := range n.Names {
					store(n.Names[i], n.Values[i])
				}
			} else if i := a.handlerResult(identExprs(n.Names), n.Values); i >= 0 {
				store(n.Names[i], n.Values[0])
			}
		case *ast.CompositeLit:
			st, ok := typeOf(info, n).Underlying().(*types.Struct)
			if !ok {
				continue
			}
			for i, elt := range n.Elts {
				if kv, ok := elt.(*ast.KeyValueExpr); ok {
					if id, ok := kv.Key.(*ast.Ident); ok {
						if v, ok := info.Uses[id].(*types.Var); ok && v.IsField() {
							a.keyed[v] = append(a.keyed[v], kv.Value)
						}
					}
				} else if i < st.NumFields() {
					// Route{"ChatAI", "POST", "/api/chat", handlers.ChatAI(conf)}
					a.keyed[st.Field(i)] = append(a.keyed[st.Field(i)], elt)
				}
			}
		case *ast.CallExpr:
			if holder, v := atomicStore(info, n); holder != nil {
				store(holder, v) // p.router.Store(r): the holder holds r
			}
			a.indexRoute(n)
			a.indexPassed(n)
			if fn, ok := typeOfCallee(a, n); ok && fn.Pkg() == a.pass.Pkg {
				a.calls[fn.Origin()] = append(a.calls[fn.Origin()], n)
			}
		}
	}
}

// indexRoute records mux registrations: http.Handle/HandleFunc on the
// default mux, and any method call that passes a handler (an
// http.Handler, a request-path function of any framework, middleware) to
// a value held in a variable or field: mux.Handle(p, h),
// r.PathPrefix(p).Handler(h), r.With(mw).Get(p, h), g.GET(p, h). A
// function literal passed to such a call receives a router derived from
// the value: chi's r.Route(p, func(r chi.Router) {...}), r.Group(func...).
func (a *state) indexRoute(call *ast.CallExpr) {
	info := a.pass.TypesInfo
	if httpsym.CalleeIs(info, call, "net/http", "Handle", "HandleFunc") {
		if len(call.Args) == 2 {
			a.muxRegs = append(a.muxRegs, call.Args[1])
			if a.bodilessPattern(call.Args[0]) {
				a.noBody[call.Args[1]] = true
			}
		}
		return
	}
	sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	if !ok || info.Selections[sel] == nil || info.Selections[sel].Kind() != types.MethodVal {
		return
	}
	if sel.Sel.Name == "ServeHTTP" {
		return // a delegation, not a registration
	}
	holder := a.chainRoot(sel)
	if holder == nil {
		return
	}
	for _, arg := range call.Args {
		if lit, ok := ast.Unparen(arg).(*ast.FuncLit); ok && !a.handlerType(typeOf(info, lit)) {
			// r.Route("/api", func(r chi.Router) {...}): the literal's
			// parameters are routers derived from the holder.
			for _, field := range lit.Type.Params.List {
				for _, name := range field.Names {
					if p, ok := info.Defs[name].(*types.Var); ok {
						a.derived[holder] = append(a.derived[holder], p)
					}
				}
			}
			continue
		}
		if t := info.TypeOf(arg); t != nil && a.handlerType(t) {
			a.routes[holder] = append(a.routes[holder], arg)
			if bodiless(sel.Sel.Name) || len(call.Args) > 0 && a.bodilessPattern(call.Args[0]) {
				a.noBody[arg] = true // r.Get(p, h), mux.Handle("GET /p", h): no upload reaches h
			}
		}
	}
}

// chainRoot walks down a method chain, r.With(mw).Route(p).Get, to the
// variable or field that holds the router, or returns nil.
func (a *state) chainRoot(sel *ast.SelectorExpr) *types.Var {
	for x := ast.Expr(sel); ; {
		s, ok := ast.Unparen(x).(*ast.SelectorExpr)
		if !ok {
			return nil
		}
		if v := a.varOf(s.X); v != nil {
			if _, isFunc := v.Type().Underlying().(*types.Signature); isFunc {
				return nil // calling a func value's method is not routing
			}
			return v
		}
		inner, ok := ast.Unparen(s.X).(*ast.CallExpr)
		if !ok {
			return nil
		}
		x = inner.Fun
	}
}

// indexDerived records routers derived from another by a method call:
// api := r.Group("/api"), s := r.PathPrefix("/v1").Subrouter().
func (a *state) indexDerived(lhs, rhs ast.Expr) {
	call, ok := ast.Unparen(rhs).(*ast.CallExpr)
	if !ok {
		return
	}
	sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	if !ok || a.pass.TypesInfo.Selections[sel] == nil || a.pass.TypesInfo.Selections[sel].Kind() != types.MethodVal {
		return
	}
	v := a.varOf(lhs)
	if v == nil {
		return
	}
	if root := a.chainRoot(sel); root != nil && root != v {
		a.derived[root] = append(a.derived[root], v)
	}
}

// varOf returns the variable or field that e names, or nil.
func (a *state) varOf(e ast.Expr) *types.Var {
	switch e := ast.Unparen(e).(type) {
	case *ast.Ident:
		v, _ := a.pass.TypesInfo.ObjectOf(e).(*types.Var)
		return v
	case *ast.SelectorExpr:
		if sel := a.pass.TypesInfo.Selections[e]; sel != nil {
			if sel.Kind() == types.FieldVal {
				return sel.Obj().(*types.Var)
			}
			return nil
		}
		v, _ := a.pass.TypesInfo.Uses[e.Sel].(*types.Var) // pkg.Var
		return v
	case *ast.StarExpr:
		return a.varOf(e.X)
	}
	return nil
}

// flushingCallback returns the function literal, passed to call directly
// or through a local variable, that both writes the response and flushes
// it: an event sink the callee calls per event.
func (a *state) flushingCallback(call *ast.CallExpr) *ast.FuncLit {
	info := a.pass.TypesInfo
	for _, arg := range call.Args {
		var lit *ast.FuncLit
		switch x := ast.Unparen(arg).(type) {
		case *ast.FuncLit:
			lit = x
		case *ast.Ident:
			if v, ok := info.Uses[x].(*types.Var); ok && len(a.assigns[v]) == 1 {
				lit, _ = ast.Unparen(a.assigns[v][0]).(*ast.FuncLit)
			}
		}
		if lit == nil {
			continue
		}
		if sig, ok := typeOf(info, lit).(*types.Signature); !ok || a.sym.IsRequestPathSig(sig) {
			continue // a handler, not a sink
		}
		var writes, flushes bool
		ast.Inspect(lit.Body, func(n ast.Node) bool {
			if c, ok := n.(*ast.CallExpr); ok {
				fn, _ := httpsym.Callee(info, c).(*types.Func)
				writes = writes || a.writes(c, fn)
				flushes = flushes || a.isFlush(c, fn)
			}
			return !(writes && flushes)
		})
		if writes && flushes {
			return lit
		}
	}
	return nil
}

// readerParam returns 1 + the index of the parameter of the summarized
// function that e names, or 0.
func readerParam(info *types.Info, en *env, e ast.Expr) int {
	id, ok := ast.Unparen(e).(*ast.Ident)
	if !ok || en == nil {
		return 0
	}
	v, ok := info.Uses[id].(*types.Var)
	if !ok {
		return 0
	}
	if i, ok := en.params[v]; ok && i >= 0 {
		return i + 1
	}
	return 0
}

// storedKey memoizes storedRoutes per variable and environment.
type storedKey struct {
	v  *types.Var
	en *env
}

// registersHandlers reports whether t is a router: one of its methods
// takes a handler (mux.Handle(p, h), g.GET(p, action)).
func (a *state) registersHandlers(t types.Type) bool {
	if r, ok := a.routerTypes[t]; ok {
		return r
	}
	r := false
	ms := types.NewMethodSet(t)
	if _, isPtr := t.(*types.Pointer); !isPtr && !types.IsInterface(t) {
		ms = types.NewMethodSet(types.NewPointer(t))
	}
	for i := range ms.Len() {
		sig, ok := ms.At(i).Type().(*types.Signature)
		if !ok {
			continue
		}
		for p := range sig.Params().Variables() {
			pt := p.Type()
			if sl, ok := pt.(*types.Slice); ok && sig.Variadic() {
				pt = sl.Elem()
			}
			if ps, ok := pt.Underlying().(*types.Signature); ok && (a.sym.IsRequestPathSig(ps) || a.middlewareSig(ps)) || a.handlerType(pt) {
				r = true
			}
		}
	}
	a.routerTypes[t] = r
	return r
}

// funcHeld returns the function a call through a local function variable
// may call: copyFunc := io.Copy, then copyFunc(w, resp.Body).
func (a *state) funcHeld(call *ast.CallExpr) *types.Func {
	id, ok := ast.Unparen(call.Fun).(*ast.Ident)
	if !ok {
		return nil
	}
	v, ok := a.pass.TypesInfo.Uses[id].(*types.Var)
	if !ok || v.IsField() || v.Parent() == nil || v.Parent() == v.Pkg().Scope() {
		return nil
	}
	for _, e := range a.assigns[v] {
		var obj types.Object
		switch e := ast.Unparen(e).(type) {
		case *ast.Ident:
			obj = a.pass.TypesInfo.Uses[e]
		case *ast.SelectorExpr:
			obj = a.pass.TypesInfo.Uses[e.Sel]
		}
		if fn, ok := obj.(*types.Func); ok && fn.Signature().Recv() == nil {
			return fn
		}
	}
	return nil
}

// atomicHolder reports whether t is an atomic.Value or atomic.Pointer[T],
// the holders a router swapped on reload lives in.
func atomicHolder(t types.Type) bool {
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	n, ok := types.Unalias(t).(*types.Named)
	if !ok || n.Obj().Pkg() == nil || n.Obj().Pkg().Path() != "sync/atomic" {
		return false
	}
	return n.Obj().Name() == "Value" || n.Obj().Name() == "Pointer"
}

// atomicStore returns the holder and value of h.Store(v), h.Swap(v) and
// h.CompareAndSwap(old, v) on an atomic holder.
func atomicStore(info *types.Info, call *ast.CallExpr) (holder, v ast.Expr) {
	sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	if !ok || len(call.Args) == 0 || !atomicHolder(typeOf(info, sel.X)) {
		return nil, nil
	}
	switch sel.Sel.Name {
	case "Store", "Swap", "CompareAndSwap":
		return sel.X, call.Args[len(call.Args)-1]
	}
	return nil, nil
}

// atomicLoad returns the holder of h.Load() (and of h.Swap(v), whose
// result is a value stored before) on an atomic holder.
func atomicLoad(info *types.Info, call *ast.CallExpr) ast.Expr {
	sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	if !ok || !atomicHolder(typeOf(info, sel.X)) {
		return nil
	}
	if sel.Sel.Name == "Load" || sel.Sel.Name == "Swap" {
		return sel.X
	}
	return nil
}

func typeOf(info *types.Info, e ast.Expr) types.Type {
	if t := info.TypeOf(e); t != nil {
		return t
	}
	return types.Typ[types.Invalid]
}

func (a *state) where(pos token.Pos) string { return httpsym.Where(a.pass.Fset, pos) }

// eval evaluates a handler expression.
func (a *state) eval(e ast.Expr, en *env) flow {
	info := a.pass.TypesInfo
	switch e := ast.Unparen(e).(type) {
	case *ast.UnaryExpr:
		if e.Op == token.AND {
			return a.eval(e.X, en)
		}
	case *ast.StarExpr:
		return a.eval(e.X, en)
	case *ast.FuncLit:
		if sig, ok := typeOf(info, e).(*types.Signature); ok {
			if a.sym.IsRequestPathSig(sig) {
				return a.body(e.Body, en)
			}
			if a.middlewareSig(sig) {
				// func(next) handler: what the handlers it returns stream.
				var f flow
				for _, ret := range httpsym.Returns(e.Body) {
					for _, r := range ret.Results {
						f = f.join(a.eval(r, en))
					}
				}
				return f
			}
		}
	case *ast.CompositeLit:
		return a.composite(e, en)
	case *ast.IndexExpr:
		// proxies[host]: whatever the container holds, or any value of
		// its element type.
		f := a.eval(e.X, en)
		if elem := elemType(typeOf(info, e.X)); f.s == nil && elem != nil {
			if f.s = a.typeStream(elem); f.s != nil && f.s.Where == "" {
				c := *f.s
				c.Where = a.where(e.Pos())
				f.s = &c
			}
		}
		return f
	case *ast.TypeAssertExpr:
		return a.eval(e.X, en) // v.(http.Handler): what v holds
	case *ast.CallExpr:
		if holder := atomicLoad(info, e); holder != nil {
			return a.eval(holder, en) // p.router.Load(): what was stored
		}
		if id, ok := ast.Unparen(e.Fun).(*ast.Ident); ok {
			if b, ok := info.Uses[id].(*types.Builtin); ok && b.Name() == "append" {
				var f flow
				for _, arg := range e.Args {
					f = f.join(a.eval(arg, en))
				}
				return f
			}
		}
		return a.call(e, en)
	case *ast.Ident, *ast.SelectorExpr:
		return a.name(e, en)
	}
	return flow{}
}

// name evaluates an identifier or selector: a variable, field, function or
// method value.
func (a *state) name(e ast.Expr, en *env) flow {
	info := a.pass.TypesInfo
	var obj types.Object
	switch e := e.(type) {
	case *ast.Ident:
		obj = info.ObjectOf(e)
	case *ast.SelectorExpr:
		if sel := info.Selections[e]; sel != nil {
			obj = sel.Obj()
			if v, ok := obj.(*types.Var); ok && en != nil && en.recv != nil && a.varOf(e.X) == en.recv {
				return flow{fields: []*types.Var{v}}
			}
			if v, ok := obj.(*types.Var); ok && v.IsField() && en != nil {
				// h.Download of a parameter h: the caller's value decides,
				// and so do the stores into the field seen here.
				if pf, ok := a.paramField(e, en); ok {
					return flow{s: a.varStream(v), pfields: []ParamField{pf}}
				}
			}
		} else {
			obj = info.Uses[e.Sel]
		}
	}
	switch obj := obj.(type) {
	case *types.Func:
		if sel, ok := e.(*ast.SelectorExpr); ok && obj.Name() == "ServeHTTP" && info.Selections[sel] != nil && info.Selections[sel].Kind() == types.MethodVal {
			// The method value proxy.ServeHTTP is the handler proxy.
			if f := a.eval(sel.X, en); !f.empty() {
				return f
			}
		}
		if a.sym.IsRequestPathSig(obj.Signature()) {
			return flow{s: a.funcFlow(obj).resolve(a).via(e.Pos(), "handled by "+obj.Name())}
		}
		if a.middlewareSig(obj.Signature()) {
			// Middleware used as a value (r.Use(mw)): what it streams by itself.
			return flow{s: a.funcFlow(obj).s.via(e.Pos(), "middleware "+obj.Name())}
		}
	case *types.Var:
		var f flow
		if en != nil {
			if i, ok := en.params[obj]; ok {
				f.params = []int{i}
			} else if en.callers {
				f.s = a.passedIn(obj)
			}
		}
		if obj.Parent() != nil && obj.Parent() != obj.Pkg().Scope() && !obj.IsField() {
			// A local variable: what is stored in it here (the summary
			// environment still applies, for h = mw(h) and closures).
			f = f.join(a.local(obj, en))
			if f.s == nil {
				// A concrete type that streams (a *httputil.ReverseProxy
				// parameter) streams whatever the caller passes.
				f.s = a.typeStream(obj.Type())
				if f.s != nil && f.s.Where == "" {
					c := *f.s
					c.Where = a.where(obj.Pos()) // where the variable is declared
					f.s = &c
				}
			}
			return f
		}
		return flow{s: a.varStream(obj)}
	}
	return flow{}
}

// paramField returns the parameter and field path a selector chain reads
// (h.Download, s.Routes.Files of a parameter h or s).
func (a *state) paramField(e *ast.SelectorExpr, en *env) (ParamField, bool) {
	info := a.pass.TypesInfo
	var path []string
	var root ast.Expr = e
	for {
		sel, ok := ast.Unparen(root).(*ast.SelectorExpr)
		if !ok {
			break
		}
		s := info.Selections[sel]
		if s == nil || s.Kind() != types.FieldVal {
			return ParamField{}, false
		}
		path = append([]string{sel.Sel.Name}, path...)
		root = sel.X
	}
	v := a.varOf(root)
	if v == nil || v == en.recv {
		return ParamField{}, false
	}
	i, ok := en.params[v]
	if !ok || i < 0 {
		return ParamField{}, false
	}
	return ParamField{Param: i, Path: path}, true
}

// argField evaluates the field path of a value a caller passes. A
// composite literal (&Server{Download: proxy}) decides by itself; a local
// variable by the literals it is declared with and the stores into that
// path of it (srv.Download = proxy after srv := gen.New()), plus what
// its defining call's package stores into the field; any other value by
// every store into the field.
func (a *state) argField(arg ast.Expr, path []string, en *env) flow {
	info := a.pass.TypesInfo
	t := info.TypeOf(arg)
	var field *types.Var
	for _, name := range path {
		if t == nil {
			return flow{}
		}
		obj, _, _ := types.LookupFieldOrMethod(t, true, nil, name)
		v, ok := obj.(*types.Var)
		if !ok || !v.IsField() {
			return flow{}
		}
		field, t = v, v.Type()
	}
	if field == nil {
		return flow{}
	}
	var f flow
	fromLit := func(lit *ast.CompositeLit) {
		if v := literalField(info, lit, path); v != nil {
			f = f.join(a.eval(v, en).via(v.Pos(), "stored in "+strings.Join(path, ".")))
		}
	}
	e := ast.Unparen(arg)
	if u, ok := e.(*ast.UnaryExpr); ok && u.Op == token.AND {
		e = ast.Unparen(u.X)
	}
	switch x := e.(type) {
	case *ast.CompositeLit:
		fromLit(x)
		return f
	case *ast.Ident:
		v := a.varOf(x)
		if v == nil || v.IsField() || v.Parent() == a.pass.Pkg.Scope() {
			break
		}
		for _, rhs := range a.assigns[v] {
			rhs = ast.Unparen(rhs)
			if u, ok := rhs.(*ast.UnaryExpr); ok && u.Op == token.AND {
				rhs = ast.Unparen(u.X)
			}
			switch r := rhs.(type) {
			case *ast.CompositeLit:
				fromLit(r)
			case *ast.CallExpr:
				if fn, ok := httpsym.Callee(info, r).(*types.Func); ok && fn.Pkg() != a.pass.Pkg {
					var fact Streams
					if a.pass.ImportObjectFact(field, &fact) {
						f.s = union(f.s, fact.stream()) // what New stores there
					}
				} else {
					f.s = union(f.s, a.varStream(field))
				}
			default:
				f.s = union(f.s, a.varStream(field))
			}
		}
		for _, st := range a.fieldStores()[v] {
			if slices.Equal(st.path, path) {
				f = f.join(a.eval(st.value, en).via(st.value.Pos(), "stored in "+v.Name()+"."+strings.Join(path, ".")))
			}
		}
		return f
	}
	f.s = a.varStream(field)
	return f
}

// fieldStores indexes the assignments to field paths of local variables.
func (a *state) fieldStores() map[*types.Var][]fieldStore {
	if a.stores != nil {
		return a.stores
	}
	a.stores = make(map[*types.Var][]fieldStore)
	info := a.pass.TypesInfo
	for _, file := range a.pass.Files {
		ast.Inspect(file, func(n ast.Node) bool {
			as, ok := n.(*ast.AssignStmt)
			if !ok || len(as.Lhs) != len(as.Rhs) {
				return true
			}
			for i, l := range as.Lhs {
				var path []string
				root := ast.Unparen(l)
				for {
					sel, ok := root.(*ast.SelectorExpr)
					if !ok || info.Selections[sel] == nil || info.Selections[sel].Kind() != types.FieldVal {
						break
					}
					path = append([]string{sel.Sel.Name}, path...)
					root = ast.Unparen(sel.X)
				}
				if len(path) == 0 {
					continue
				}
				if v := a.varOf(root); v != nil && !v.IsField() {
					a.stores[v] = append(a.stores[v], fieldStore{path, as.Rhs[i]})
				}
			}
			return true
		})
	}
	return a.stores
}

// literalField returns the value a composite literal gives the field path.
func literalField(info *types.Info, lit *ast.CompositeLit, path []string) ast.Expr {
	st, ok := typeOf(info, lit).Underlying().(*types.Struct)
	if p, isPtr := typeOf(info, lit).Underlying().(*types.Pointer); isPtr {
		st, ok = p.Elem().Underlying().(*types.Struct)
	}
	if !ok {
		return nil
	}
	for i, elt := range lit.Elts {
		name, value := "", elt
		if kv, isKV := elt.(*ast.KeyValueExpr); isKV {
			if id, isID := kv.Key.(*ast.Ident); isID {
				name, value = id.Name, kv.Value
			}
		} else if i < st.NumFields() {
			name = st.Field(i).Name()
		}
		if name != path[0] {
			continue
		}
		if len(path) == 1 {
			return value
		}
		inner := ast.Unparen(value)
		if u, isAddr := inner.(*ast.UnaryExpr); isAddr && u.Op == token.AND {
			inner = ast.Unparen(u.X)
		}
		if next, isLit := inner.(*ast.CompositeLit); isLit {
			return literalField(info, next, path[1:])
		}
		return nil
	}
	return nil
}

// local evaluates what is stored in a local variable.
func (a *state) local(v *types.Var, en *env) flow {
	if a.busy[v] {
		return flow{}
	}
	a.busy[v] = true
	defer delete(a.busy, v)
	var f flow
	for _, rhs := range a.assigns[v] {
		f = f.join(a.eval(rhs, en).via(rhs.Pos(), "stored in "+v.Name()))
	}
	return f.join(a.routesOn(v, en))
}

// registeredOn evaluates a handler registered on a router: a route for
// GET, HEAD or OPTIONS only receives no upload.
func (a *state) registeredOn(h ast.Expr, en *env) flow {
	f := a.eval(h, en)
	if a.noBody[h] {
		f.s = f.s.only(Writes)
	}
	return f
}

// bodiless reports whether a registration method routes only requests
// without a body: chi's r.Get, gin's r.GET, echo's e.HEAD.
func bodiless(method string) bool {
	switch method {
	case "Get", "GET", "Head", "HEAD", "Options", "OPTIONS":
		return true
	}
	return false
}

// bodilessPattern reports whether e is a constant ServeMux pattern for
// GET or HEAD: "GET /files/{id}".
func (a *state) bodilessPattern(e ast.Expr) bool {
	tv := a.pass.TypesInfo.Types[e]
	if tv.Value == nil || tv.Value.Kind() != constant.String {
		return false
	}
	p := constant.StringVal(tv.Value)
	return strings.HasPrefix(p, "GET ") || strings.HasPrefix(p, "HEAD ")
}

// routesOf evaluates what is registered on a router derived from another
// (a group, a sub-router, a Route closure's parameter).
func (a *state) routesOf(v *types.Var, en *env) flow {
	if a.busy[v] {
		return flow{}
	}
	a.busy[v] = true
	defer delete(a.busy, v)
	return a.routesOn(v, en)
}

// routesOn evaluates the handlers registered on router v: directly, on
// routers derived from it, and by helpers it is passed to.
func (a *state) routesOn(v *types.Var, en *env) flow {
	var f flow
	for _, h := range a.routes[v] {
		g := a.registeredOn(h, en).via(h.Pos(), "registered on "+v.Name())
		if !httpsym.IsNamed(v.Type(), "net/http", "ServeMux") {
			g = g.wrapped() // a framework's router may wrap the writer
		}
		f = f.join(g)
	}
	for _, d := range a.derived[v] {
		f = f.join(a.routesOf(d, en))
	}
	return f.join(a.helperRoutes(v, en)).join(a.storedRoutes(v, en))
}

// storedRoutes evaluates what is registered on the routers stored in v:
// a local router (serveEvent.Router = r), or the router a function of the
// package returns after registering on it (r := NewRouter(app)).
func (a *state) storedRoutes(v *types.Var, en *env) flow {
	var f flow
	if !a.registersHandlers(v.Type()) {
		return f // only a router can have routes registered on it
	}
	key := storedKey{v, en}
	if r, ok := a.stored[key]; ok {
		return r
	}
	defer func() { a.stored[key] = f }()
	var results []ast.Expr
	if c := a.results[v]; c != nil {
		results = []ast.Expr{c}
	}
	for _, list := range [][]ast.Expr{a.assigns[v], a.keyed[v], results} {
		for _, e := range list {
			switch x := ast.Unparen(e).(type) {
			case *ast.Ident:
				if u := a.varOf(x); u != nil && u != v && types.Identical(u.Type(), v.Type()) {
					f = f.join(a.routesOf(u, en).via(e.Pos(), "stored in "+v.Name()))
				}
			case *ast.CallExpr:
				fn, ok := typeOfCallee(a, x)
				if !ok || fn.Pkg() != a.pass.Pkg || a.decls[fn.Origin()] == nil {
					continue
				}
				if res := fn.Signature().Results(); res.Len() == 0 || !types.Identical(res.At(0).Type(), v.Type()) {
					continue
				}
				fen := a.envOf(fn.Origin())
				for _, ret := range httpsym.Returns(a.decls[fn.Origin()].Body) {
					if len(ret.Results) == 0 {
						continue
					}
					if u := a.varOf(ret.Results[0]); u != nil && u != v && !u.IsField() {
						f = f.join(a.routesOf(u, fen).via(x.Pos(), "registered by "+fn.Name()))
					}
				}
			}
		}
	}
	return f
}

func (f flow) via(pos token.Pos, msg string) flow {
	f.s = f.s.via(pos, msg)
	return f
}

// varStream evaluates a package-level variable or a field everywhere it
// is stored, or reads its fact.
func (a *state) varStream(v *types.Var) *Stream {
	if v.Pkg() != a.pass.Pkg {
		var s *Stream
		var fact Streams
		if v.Pkg() != nil && a.pass.ImportObjectFact(v, &fact) {
			s = fact.stream()
		} else if len(a.assigns[v])+len(a.keyed[v]) == 0 {
			return a.typeStream(v.Type())
		}
		// Stores into another package's field made here: srv.Download =
		// proxy on a generated server.
		if !a.busy[v] && len(a.assigns[v])+len(a.keyed[v]) > 0 {
			a.busy[v] = true
			for _, list := range [][]ast.Expr{a.assigns[v], a.keyed[v]} {
				for _, e := range list {
					s = union(s, a.eval(e, storedEnv).s.via(e.Pos(), "stored in "+v.Name()))
				}
			}
			delete(a.busy, v)
		}
		return s
	}
	if s, ok := a.vars[v]; ok {
		return s
	}
	if a.busy[v] {
		return nil
	}
	a.busy[v] = true
	defer delete(a.busy, v)
	var s *Stream
	for _, list := range [][]ast.Expr{a.assigns[v], a.keyed[v]} {
		for _, e := range list {
			s = union(s, a.eval(e, storedEnv).s.via(e.Pos(), "stored in "+v.Name()))
		}
	}
	for _, e := range a.routes[v] {
		s = union(s, a.registeredOn(e, storedEnv).s.via(e.Pos(), "registered on "+v.Name()))
	}
	for _, d := range a.derived[v] {
		s = union(s, a.routesOf(d, nil).s)
	}
	s = union(s, a.helperRoutes(v, nil).s)
	if s == nil && len(a.assigns[v])+len(a.keyed[v]) == 0 {
		s = a.typeStream(v.Type())
	}
	a.vars[v] = s
	return s
}

// typeStream reports whether every value of type t streams because its
// ServeHTTP method does.
func (a *state) typeStream(t types.Type) *Stream {
	if httpsym.IsNamed(t, "net/http/httputil", "ReverseProxy") {
		// Any ReverseProxy streams both ways; its own body, read as code,
		// shows only the forwarded request.
		return &Stream{Dir: Writes | Reads, Source: "httputil.ReverseProxy", Proxy: true}
	}
	fn := serveHTTP(t)
	if fn == nil {
		return nil
	}
	return a.funcFlow(fn).resolve(a)
}

// factoryStream returns what the methods of t, a type of this package
// without ServeHTTP, return when they return a handler: a handler factory
// (NewHandler(r) http.Handler) stands for the handlers it makes, since it
// is used through an interface whose callers serve them.
func (a *state) factoryStream(t types.Type) *Stream {
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	named, ok := types.Unalias(t).(*types.Named)
	if !ok || named.Obj().Pkg() != a.pass.Pkg {
		return nil
	}
	var s *Stream
	for m := range named.Methods() {
		if a.returnsHandler(m.Signature()) && !a.sym.IsRequestPathSig(m.Signature()) {
			s = union(s, a.funcFlow(m).resolve(a).via(m.Pos(), "made by "+m.Name()))
		}
	}
	return s
}

// isInterfaceMethod reports whether fn is a method of an interface.
func isInterfaceMethod(fn *types.Func) bool {
	recv := fn.Signature().Recv()
	return recv != nil && types.IsInterface(recv.Type())
}

// serveHTTP returns the concrete ServeHTTP method of t, or nil.
func serveHTTP(t types.Type) *types.Func {
	if t == nil {
		return nil
	}
	if _, ok := t.Underlying().(*types.Interface); ok {
		return nil
	}
	obj, _, _ := types.LookupFieldOrMethod(t, true, nil, "ServeHTTP")
	fn, _ := obj.(*types.Func)
	if fn == nil || fn.Signature().Recv() == nil {
		return nil
	}
	if _, ok := fn.Signature().Recv().Type().Underlying().(*types.Interface); ok {
		return nil // promoted from an embedded interface: unknown
	}
	return fn
}

// composite evaluates T{...} and &T{...}.
func (a *state) composite(lit *ast.CompositeLit, en *env) flow {
	info := a.pass.TypesInfo
	t := typeOf(info, lit)
	switch t.Underlying().(type) {
	case *types.Slice, *types.Array, *types.Map:
		// A route table, map[string]http.Handler{...}: what its elements do.
		if !a.handlerType(elemType(t)) {
			return flow{}
		}
		var f flow
		for _, elt := range lit.Elts {
			if kv, ok := elt.(*ast.KeyValueExpr); ok {
				elt = kv.Value
			}
			f = f.join(a.eval(elt, en))
		}
		return f
	}
	if httpsym.IsNamed(t, "net/http/httputil", "ReverseProxy") {
		return flow{s: &Stream{Dir: Writes | Reads, Source: "httputil.ReverseProxy", Where: a.where(lit.Pos()), Proxy: true, Hops: []Hop{{lit.Pos(), "ReverseProxy created here"}}}}
	}
	fn := serveHTTP(t)
	if fn == nil {
		if v := embeddedHandler(t); v != nil {
			// struct{ http.Handler }: it serves whatever the field holds.
			return a.fieldsOf(lit, t, []*types.Var{v}, en)
		}
		return flow{s: a.factoryStream(t)}
	}
	sum := a.funcFlow(fn)
	fields := sum.fields
	if fn.Pkg() != a.pass.Pkg {
		var pf Passes
		if a.pass.ImportObjectFact(fn, &pf) {
			for _, name := range pf.Fields {
				if obj, _, _ := types.LookupFieldOrMethod(t, true, fn.Pkg(), name); obj != nil {
					if v, ok := obj.(*types.Var); ok {
						fields = append(fields, v)
					}
				}
			}
		}
	}
	f := a.fieldsOf(lit, t, fields, en)
	f.s = clear(union(sum.s, f.s), sum.clears)
	return f
}

// fieldsOf evaluates the values of fields in the literal lit of type t,
// and what is registered on or assigned to them by statements.
func (a *state) fieldsOf(lit *ast.CompositeLit, t types.Type, fields []*types.Var, en *env) flow {
	info := a.pass.TypesInfo
	var f flow
	for _, v := range fields {
		for i, elt := range lit.Elts {
			value := elt
			if kv, ok := elt.(*ast.KeyValueExpr); ok {
				value = nil
				if id, ok := kv.Key.(*ast.Ident); ok && info.Uses[id] == v {
					value = kv.Value
				}
			} else if st, ok := t.Underlying().(*types.Struct); !ok || i >= st.NumFields() || st.Field(i) != v {
				value = nil // a positional literal, loggingHandler{out, h, f}: the i-th field
			}
			if value != nil {
				f = f.join(a.eval(value, en).via(value.Pos(), "wrapped by "+types.TypeString(t, types.RelativeTo(a.pass.Pkg))).wrapped())
			}
		}
		for _, list := range [][]ast.Expr{a.assigns[v], a.routes[v]} {
			for _, e := range list {
				f = f.join(a.eval(e, en).wrapped())
			}
		}
	}
	return f
}

// call evaluates a call that returns a handler: conversions, net/http
// wrappers, constructors and middleware.
func (a *state) call(call *ast.CallExpr, en *env) flow {
	info := a.pass.TypesInfo
	if tv, ok := info.Types[call.Fun]; ok && tv.IsType() && len(call.Args) == 1 {
		return a.eval(call.Args[0], en) // http.HandlerFunc(f) and other conversions
	}
	callee := httpsym.Callee(info, call)
	fn, _ := callee.(*types.Func)
	if fn == nil {
		return a.unknownMiddleware(call, en)
	}
	arg := func(i int) ast.Expr {
		if i < len(call.Args) {
			return call.Args[i]
		}
		return nil
	}
	switch {
	case httpsym.IsFunc(fn, "net/http/httputil", "NewSingleHostReverseProxy"):
		return flow{s: &Stream{Dir: Writes | Reads, Source: "httputil.ReverseProxy", Where: a.where(call.Pos()), Proxy: true, Hops: []Hop{{call.Pos(), "ReverseProxy created here"}}}}
	case httpsym.IsFunc(fn, "net/http", "StripPrefix"):
		if e := arg(1); e != nil {
			return a.eval(e, en).via(call.Pos(), "behind http.StripPrefix")
		}
	case httpsym.IsFunc(fn, "net/http", "MaxBytesHandler"):
		if e := arg(0); e != nil {
			f := a.eval(e, en)
			if smallLimit(info, arg(1)) {
				f.s = f.s.only(Writes)
			}
			return f
		}
	case httpsym.IsFunc(fn, "net/http", "AllowQuerySemicolons"):
		if e := arg(0); e != nil {
			return a.eval(e, en)
		}
	case httpsym.IsFunc(fn, "net/http", "TimeoutHandler"):
		return flow{} // buffers the whole response; the timeouthandler check reports it
	case httpsym.IsFunc(fn, "net/http", "FileServer", "FileServerFS"):
		// A directory from configuration (uploads, artefacts, a data
		// root) holds files of any size; a constant directory or an
		// embedded file system is the program's own assets.
		if e := arg(0); e != nil && a.contentDir(e) {
			return flow{s: &Stream{Dir: Writes, Source: "http." + fn.Name() + " of " + types.ExprString(e), Where: a.where(call.Pos()), Hops: []Hop{{call.Pos(), "serves the files of a configured directory"}}}}
		}
	}
	if fn.Pkg() == nil || fn.Pkg().Path() == "net/http" || fn.Pkg().Path() == "net/http/httputil" {
		return flow{}
	}
	if a.sym.IsRequestPathSig(fn.Signature()) && !a.returnsHandler(fn.Signature()) {
		return flow{} // calling a handler returns nothing
	}
	var f flow
	var params []int
	var clears Dir
	if fn.Pkg() == a.pass.Pkg {
		sum := a.funcFlow(fn)
		f.s = sum.resolve(a) // and for s.createRouter(), the receiver's fields it serves
		params, clears = sum.params, sum.clears
		for _, pf := range sum.pfields {
			if e := arg(pf.Param); e != nil {
				f = f.join(a.argField(e, pf.Path, en).via(call.Pos(), "passed to "+fn.Name()))
			}
		}
		if f.s == nil && len(params) == 0 {
			// Nothing known from the body: fall back on the result type.
			if res := fn.Signature().Results(); res.Len() == 1 {
				f.s = a.typeStream(res.At(0).Type())
			}
		}
	} else if Handlers.Has(fn) {
		f.s = configured(fn)
	} else {
		var sf Streams
		if a.pass.ImportObjectFact(fn, &sf) {
			f.s = sf.stream()
		}
		var pf Passes
		if a.pass.ImportObjectFact(fn, &pf) {
			params, clears = pf.Params, pf.Clears
		}
		if f.s == nil && len(params) == 0 {
			if res := fn.Signature().Results(); res.Len() == 1 {
				f.s = a.typeStream(res.At(0).Type())
			}
		}
	}
	if f.s == nil && len(params) == 0 && isInterfaceMethod(fn) && a.returnsHandler(fn.Signature()) {
		// f.NewHandler(r) of a handler factory: what the factory value's
		// own method returns.
		params = []int{-1}
	}
	f.s = f.s.via(call.Pos(), "returned by "+fn.Name())
	sel, isMethod := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	isMethod = isMethod && fn.Signature().Recv() != nil
	if f.s == nil && len(params) == 0 && isMethod && a.returnsHandler(fn.Signature()) {
		// r.BuildMux() of a router the program registers routes on: the
		// handler it builds serves them.
		if root := a.chainRoot(sel); root != nil {
			f = f.join(a.routesOf(root, en).via(call.Pos(), "served by "+fn.Name()))
		}
	}
	for _, p := range params {
		if p < 0 && isMethod {
			f = f.join(a.eval(sel.X, en).via(call.Pos(), "passed through "+fn.Name()).wrapped())
			continue
		}
		if e := arg(p); e != nil {
			f = f.join(a.eval(e, en).via(call.Pos(), "wrapped by "+fn.Name()).wrapped())
		}
	}
	f.s = clear(f.s, clears)
	return f
}

// funcFlow summarizes a function declared in this package, or reads the
// facts of one declared elsewhere.
func (a *state) funcFlow(fn *types.Func) *flow {
	fn = fn.Origin()
	if f, ok := a.funcs[fn]; ok {
		return f
	}
	f := &flow{}
	if Handlers.Has(fn) {
		f.s = configured(fn)
		a.funcs[fn] = f
		return f
	}
	if fn.Pkg() != a.pass.Pkg {
		var sf Streams
		if fn.Pkg() != nil && a.pass.ImportObjectFact(fn, &sf) {
			f.s = sf.stream()
		}
		var pf Passes
		if fn.Pkg() != nil && a.pass.ImportObjectFact(fn, &pf) {
			f.params, f.clears = pf.Params, pf.Clears
		}
		a.funcs[fn] = f
		return f
	}
	decl := a.decls[fn]
	if decl == nil || a.busy[fn] {
		return f // recursion or no body: assume nothing
	}
	a.busy[fn] = true
	defer delete(a.busy, fn)

	en := a.envOf(fn)
	sig := fn.Signature()
	if a.requestPath(sig) {
		*f = a.body(decl.Body, en)
	}
	if a.returnsHandler(sig) {
		// Also a constructor, as echo's proxyHTTP(tgt, c, config) http.Handler.
		for _, ret := range httpsym.Returns(decl.Body) {
			for _, r := range ret.Results {
				if a.handlerType(typeOf(a.pass.TypesInfo, r)) || len(ret.Results) == 1 && a.handlerIn(typeOf(a.pass.TypesInfo, r)) >= 0 {
					// return h, or return newProxy(cfg) of (h, err)
					*f = f.join(a.eval(r, en))
				}
			}
		}
	}
	// A summary never names parameters of another function.
	a.funcs[fn] = f
	return f
}

func (a *state) returnsHandler(sig *types.Signature) bool {
	for i := range sig.Results().Len() {
		if a.handlerType(sig.Results().At(i).Type()) {
			return true
		}
	}
	return false
}

// body evaluates the body of a handler function: what it delegates to,
// and whether it streams itself.
func (a *state) body(body *ast.BlockStmt, en *env) flow {
	info := a.pass.TypesInfo
	var f flow
	var own *Stream
	var flushes []*ast.CallExpr
	var flushInLoop *ast.CallExpr
	var lastWrite token.Pos
	var clears Dir
	if a.bodilessOnly(body) {
		clears |= Reads
	}
	var uncleared string
	var unclearedDir Dir
	var direct Dir // cleared, error ignored, on the handler's own writer
	var stack []ast.Node
	inLoop := func() bool {
		for _, n := range stack {
			switch n.(type) {
			case *ast.ForStmt, *ast.RangeStmt:
				return true
			}
		}
		return false
	}
	var waits []token.Pos  // where the handler may wait: what makes a Flush before more writes a stream
	var blocks []token.Pos // where it surely waits: a receive, a select, a blocking call (not a func value)
	var stored *types.Var  // a flushed event stream's field the handler's writer is stored in
	var storedAt token.Pos
	visit := func(n ast.Node) {
		if stored == nil {
			if v := a.storedWriter(n); v != nil {
				stored, storedAt = v, n.Pos()
			}
		}
		switch n := n.(type) {
		case *ast.UnaryExpr:
			if n.Op == token.ARROW {
				waits = append(waits, n.Pos())
				blocks = append(blocks, n.Pos())
			}
		case *ast.SelectStmt:
			waits = append(waits, n.Pos())
			blocks = append(blocks, n.Pos())
		}
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return
		}
		fn, _ := httpsym.Callee(info, call).(*types.Func)
		if fn == nil {
			fn = a.funcHeld(call)
		}
		if mayWait(info, call, fn) {
			waits = append(waits, call.Pos())
			if fn != nil {
				blocks = append(blocks, call.Pos())
			}
		}
		if fn == nil || !httpsym.InStd(a.pass.Fset, fn) {
			if lit := a.flushingCallback(call); lit != nil {
				// provider.SendChat(onChunk, r) with onChunk writing and
				// flushing an event: the callee calls it as events come.
				own = union(own, &Stream{Dir: Writes, Source: "a callback that writes and flushes, handed to " + types.ExprString(call.Fun), Where: a.where(lit.Pos()), Hops: []Hop{{call.Pos(), "hands a flushing callback to " + types.ExprString(call.Fun)}}})
			}
		}
		if fn != nil && a.flushes(fn) {
			// send(w, ev, flusher) that writes and flushes, or an event
			// writer's method (sse.NewWriter(w).WriteData(ev)): in a loop,
			// a Flush loop.
			flushes = append(flushes, call)
			if flushInLoop == nil && inLoop() {
				flushInLoop = call
			}
		}
		switch {
		case fn != nil && fn.Name() == "ServeHTTP" && fn.Signature().Recv() != nil && a.sym.IsHandlerSig(fn.Signature()):
			if sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr); ok {
				f = f.join(a.passing(call, a.eval(sel.X, en).via(call.Pos(), "delegates to "+types.ExprString(sel.X))))
			}
		case a.isHandlerCall(call):
			f = f.join(a.passing(call, a.eval(call.Fun, en)))
		case fn != nil && a.passesWriter(call, fn):
			// A helper that writes the response: cg.forward(w, r), c.Stream(step).
			hs := a.funcFlow(fn).resolve(a)
			if hs != nil && hs.Reader > 0 && hs.Reader <= len(call.Args) && (inMemory(info, call.Args[hs.Reader-1]) || a.inMemoryValue(call.Args[hs.Reader-1], 0)) {
				hs = hs.alt // e.Stream(200, ctype, buf): the reader it sends is in memory
			}
			f = f.join(a.passing(call, flow{s: hs.via(call.Pos(), "calls "+fn.Name())}))
			lastWrite = call.Pos() // it may write: c.SSEvent(e, data)
		case (httpsym.IsMethod(fn, "net/http", "Client", "Do") || httpsym.IsMethod(fn, "net/http", "RoundTripper", "RoundTrip") || httpsym.IsMethod(fn, "net/http", "Transport", "RoundTrip")) &&
			len(call.Args) == 1 && a.isIncoming(call.Args[0], nil):
			own = union(own, &Stream{Dir: Reads, Source: "the request body forwarded upstream", Where: a.where(call.Pos()), Hops: []Hop{{call.Pos(), "forwards the incoming request"}}})
		case a.isFlush(call, fn):
			flushes = append(flushes, call)
			if flushInLoop == nil && inLoop() {
				flushInLoop = call
			}
		case httpsym.IsMethod(fn, "net/http", "ResponseController", "SetWriteDeadline", "SetReadDeadline"):
			d := Writes
			if fn.Name() == "SetReadDeadline" {
				d = Reads
			}
			switch {
			case !errorChecked(body, call):
				if !conditional(stack) && a.ownWriter(a.controllerWriter(call)) {
					direct |= d
				}
				if uncleared == "" {
					uncleared, unclearedDir = "the deadline cleared at "+a.where(call.Pos())+" does not count: its error is ignored, and it fails with http.ErrNotSupported through ResponseWriter wrappers without Unwrap", d
				}
			case conditional(stack):
				if uncleared == "" {
					uncleared, unclearedDir = "the deadline cleared at "+a.where(call.Pos())+" does not count: it runs on some paths only", d
				}
			case streamsOnError(stack, call):
				if uncleared == "" {
					uncleared, unclearedDir = "the deadline cleared at "+a.where(call.Pos())+" does not count: when it fails (http.ErrNotSupported through ResponseWriter wrappers without Unwrap) the handler streams on", d
				}
			default:
				clears |= d
			}
		case httpsym.IsFunc(fn, "io", "Copy", "CopyBuffer", "CopyN") && len(call.Args) >= 2:
			if a.fromWriter(call.Args[0]) {
				lastWrite = call.Pos()
				if unbounded(info, call) {
					own = union(own, &Stream{Dir: Writes, Source: "io." + fn.Name() + " of " + types.ExprString(call.Args[1]) + " into the ResponseWriter", Where: a.where(call.Pos()), Hops: []Hop{{call.Pos(), "copies an unbounded reader into the response"}}, Reader: readerParam(info, en, call.Args[1])})
				}
			}
			// A body read into memory is one the handler expects to be
			// small; an upload streams to a file, a pipe or upstream.
			if a.isRequestBody(call.Args[1]) && unbounded(info, call) && !inMemory(info, call.Args[0]) {
				own = union(own, &Stream{Dir: Reads, Source: "io." + fn.Name() + " from the request body", Where: a.where(call.Pos()), Hops: []Hop{{call.Pos(), "reads the whole request body"}}})
			}
		case httpsym.IsMethod(fn, "net/http", "Request", "MultipartReader", "ParseMultipartForm", "FormFile"):
			own = union(own, &Stream{Dir: Reads, Source: "a multipart upload (" + fn.Name() + ")", Where: a.where(call.Pos()), Hops: []Hop{{call.Pos(), "reads a multipart upload"}}})
		case (httpsym.IsFunc(fn, "net/http", "NewRequest", "NewRequestWithContext", "Post") || httpsym.IsMethod(fn, "net/http", "Client", "Post")) &&
			len(call.Args) > 0 && a.isRequestBody(call.Args[len(call.Args)-1]):
			own = union(own, &Stream{Dir: Reads, Source: "the request body forwarded upstream", Where: a.where(call.Pos()), Hops: []Hop{{call.Pos(), "forwards the request body"}}})
		case httpsym.IsFunc(fn, "net/http", "MaxBytesReader"):
			if len(call.Args) == 3 && smallLimit(info, call.Args[2]) {
				clears |= Reads
			}
		case httpsym.IsFunc(fn, "net/http", "ServeContent") && len(call.Args) == 5 && a.isResponseWriter(call.Args[0]) && a.downloadContent(call.Args[4]):
			// A download: a file opened by the handler, or an object of a
			// store (an S3 object, a blob, a publication), served whole,
			// as io.Copy(w, f) does. In-memory content and files of an
			// http.FileSystem (static assets: FileServer, negroni.Static,
			// webdav) are not counted.
			lastWrite = call.Pos()
			own = union(own, &Stream{Dir: Writes, Source: "http.ServeContent of " + types.ExprString(call.Args[4]), Where: a.where(call.Pos()), Hops: []Hop{{call.Pos(), "serves a file download"}}, Reader: readerParam(info, en, call.Args[4])})
		case httpsym.IsFunc(fn, "net/http", "ServeFile") && len(call.Args) == 3 && a.isResponseWriter(call.Args[0]) && a.configuredPath(call.Args[2], 0):
			lastWrite = call.Pos()
			own = union(own, &Stream{Dir: Writes, Source: "http.ServeFile of " + types.ExprString(call.Args[2]), Where: a.where(call.Pos()), Hops: []Hop{{call.Pos(), "serves a file of a configured directory"}}})
		case a.writes(call, fn):
			lastWrite = call.Pos()
		}
	}
	ast.Inspect(body, func(n ast.Node) bool {
		if n == nil {
			stack = stack[:len(stack)-1]
			return true
		}
		visit(n)
		stack = append(stack, n)
		return true
	})
	if stored != nil && slices.ContainsFunc(blocks, func(w token.Pos) bool { return w > storedAt }) {
		// The writer is handed to code that flushes events through it
		// while the handler waits: an event stream written elsewhere.
		own = union(own, &Stream{Dir: Writes, Source: "events flushed through " + stored.Name(), Where: a.where(storedAt), Hops: []Hop{{storedAt, "keeps the writer for events (" + stored.Name() + ") and waits"}}})
	}
	if flushInLoop != nil {
		own = union(own, &Stream{Dir: Writes, Source: "a Flush loop", Where: a.where(flushInLoop.Pos()), Hops: []Hop{{flushInLoop.Pos(), "flushes in a loop"}}})
	} else {
		for _, fl := range flushes {
			if fl.Pos() < lastWrite && slices.ContainsFunc(waits, func(w token.Pos) bool { return fl.Pos() < w && w < lastWrite }) {
				own = union(own, &Stream{Dir: Writes, Source: "a Flush before further writes", Where: a.where(fl.Pos()), Hops: []Hop{{fl.Pos(), "flushes, then writes more"}}})
				break
			}
		}
	}
	f.s = union(own, f.s)
	f.s = clear(f.s, clears)
	f.clears = clears
	if f.s != nil && uncleared != "" && f.s.Uncleared == "" {
		c := *f.s
		c.Uncleared, c.UnclearedDir = uncleared, unclearedDir
		f.s = &c
	}
	if f.s != nil && direct&^clears != 0 {
		c := *f.s
		c.Unwrapped |= direct & c.Dir
		f.s = &c
	}
	return f
}

// conditional reports whether the innermost statements on stack run only
// on some paths: a deadline cleared in one branch does not clear the rest.
// A loop body counts as unconditional: that is how a rolling deadline looks.
func conditional(stack []ast.Node) bool {
	for i := 1; i < len(stack); i++ {
		switch p := stack[i-1].(type) {
		case *ast.IfStmt:
			if stack[i] == p.Body || stack[i] == p.Else {
				return true
			}
		case *ast.CaseClause, *ast.CommClause:
			return true
		case *ast.FuncLit:
			return true // runs later, if ever
		}
	}
	return false
}

// takesWriter reports whether a function (not a handler) takes the
// ResponseWriter, like a helper that writes the response for its caller.
func (a *state) takesWriter(sig *types.Signature) bool {
	for i := range sig.Params().Len() {
		if a.sym.IsResponseWriter(sig.Params().At(i).Type()) {
			return true
		}
	}
	return false
}

// isIncoming reports whether e is the handler's *http.Request, or a copy
// made with Clone or WithContext, so sending it upstream forwards its body.
func (a *state) isIncoming(e ast.Expr, seen map[*types.Var]bool) bool {
	info := a.pass.TypesInfo
	switch e := ast.Unparen(e).(type) {
	case *ast.Ident:
		v, ok := info.Uses[e].(*types.Var)
		if !ok || !a.sym.IsRequest(v.Type()) || seen[v] {
			return false
		}
		if seen == nil {
			seen = make(map[*types.Var]bool)
		}
		seen[v] = true
		if a.isParam(v) {
			return true
		}
		for _, rhs := range a.assigns[v] {
			if a.isIncoming(rhs, seen) {
				return true
			}
		}
	case *ast.CallExpr:
		if httpsym.MethodIs(info, e, "net/http", "Request", "Clone", "WithContext") {
			if sel, ok := ast.Unparen(e.Fun).(*ast.SelectorExpr); ok {
				return a.isIncoming(sel.X, seen)
			}
		}
	}
	return false
}

// isParam reports whether v is a parameter of a handler or helper that
// takes a ResponseWriter too, so the request is the incoming one.
func (a *state) isParam(v *types.Var) bool {
	scope := v.Parent()
	if scope == nil || !a.params[v] {
		return false
	}
	for _, name := range scope.Names() {
		if w, ok := scope.Lookup(name).(*types.Var); ok && w != v && a.sym.IsResponseWriter(w.Type()) && w.Pos() < v.Pos() {
			return true
		}
	}
	return false
}

// isHandlerCall reports whether call invokes a handler function directly:
// f(w, r), next(c), where f has a request-path signature.
func (a *state) isHandlerCall(call *ast.CallExpr) bool {
	sig, ok := typeOf(a.pass.TypesInfo, call.Fun).Underlying().(*types.Signature)
	if !ok || !a.sym.IsRequestPathSig(sig) {
		return false
	}
	if fn, ok := httpsym.Callee(a.pass.TypesInfo, call).(*types.Func); ok && fn.Pkg() != nil && strings.HasPrefix(fn.Pkg().Path(), "net/http") {
		return false // http.MaxBytesReader(w, …), http.Error(w, …): not a handler
	}
	if tv, ok := a.pass.TypesInfo.Types[call.Fun]; ok && tv.IsType() {
		return false
	}
	return true
}

func (a *state) isResponseWriter(e ast.Expr) bool {
	t := a.pass.TypesInfo.TypeOf(e)
	return t != nil && types.Implements(t, a.sym.ResponseWriter)
}

// isRequestBody reports whether e is r.Body of an *http.Request.
func (a *state) isRequestBody(e ast.Expr) bool {
	e = ast.Unparen(e)
	if v := a.varOf(e); v != nil && !v.IsField() && len(a.assigns[v]) == 1 {
		// body := http.MaxBytesReader(w, r.Body, limit)
		if call, ok := ast.Unparen(a.assigns[v][0]).(*ast.CallExpr); ok && httpsym.CalleeIs(a.pass.TypesInfo, call, "net/http", "MaxBytesReader") && len(call.Args) == 3 {
			return a.isRequestBody(call.Args[1])
		}
	}
	sel, ok := e.(*ast.SelectorExpr)
	return ok && sel.Sel.Name == "Body" && a.sym.IsRequest(a.pass.TypesInfo.TypeOf(sel.X))
}

// writes reports whether call writes to a ResponseWriter.
func (a *state) writes(call *ast.CallExpr, fn *types.Func) bool {
	if fn == nil {
		return false
	}
	if sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr); ok && (fn.Name() == "Write" || fn.Name() == "WriteString") && a.fromWriter(sel.X) {
		return true
	}
	if httpsym.IsFunc(fn, "fmt", "Fprint", "Fprintf", "Fprintln") || httpsym.IsFunc(fn, "io", "WriteString") {
		return len(call.Args) > 0 && a.fromWriter(call.Args[0])
	}
	if httpsym.IsMethod(fn, "encoding/json", "Encoder", "Encode") {
		return true
	}
	return false
}

// mayWait reports whether call may block for long: a sleep, a wait for a
// process or a peer, or code outside the standard library (unknown). A
// Flush before more writes makes a stream only when the handler waits in
// between: flushing "running GC..." before runtime.GC() and "done" is a
// short response.
func mayWait(info *types.Info, call *ast.CallExpr, fn *types.Func) bool {
	if tv, ok := info.Types[call.Fun]; ok && (tv.IsType() || tv.IsBuiltin()) {
		return false // a conversion or a builtin
	}
	if fn == nil {
		return true // a func value: unknown
	}
	if fn.Pkg() == nil {
		return false
	}
	path := fn.Pkg().Path()
	if first, _, _ := strings.Cut(path, "/"); strings.Contains(first, ".") {
		return true // code outside the standard library: unknown
	}
	switch fn.Name() {
	case "Sleep", "Wait", "Run", "Output", "CombinedOutput", "Do", "Get", "Post", "Head",
		"RoundTrip", "Read", "ReadAll", "ReadFull", "Copy", "CopyN", "CopyBuffer", "Accept", "Dial", "DialContext", "Lock", "Recv", "Scan":
		return true
	}
	return false
}

// inMemory reports whether dst, the destination of an io.Copy, is an
// in-memory buffer.
func inMemory(info *types.Info, dst ast.Expr) bool {
	t := info.TypeOf(dst)
	return httpsym.IsNamed(t, "bytes", "Buffer") || httpsym.IsNamed(t, "strings", "Builder")
}

// unbounded reports whether the source of an io.Copy into the response
// can be arbitrarily long: anything but an in-memory reader or a constant
// bound.
func unbounded(info *types.Info, call *ast.CallExpr) bool {
	src := call.Args[1]
	t := info.TypeOf(src)
	for _, bounded := range [][2]string{{"bytes", "Reader"}, {"bytes", "Buffer"}, {"strings", "Reader"}} {
		if httpsym.IsNamed(t, bounded[0], bounded[1]) {
			return false
		}
	}
	if inner, ok := ast.Unparen(src).(*ast.CallExpr); ok {
		if httpsym.CalleeIs(info, inner, "io", "LimitReader") && len(inner.Args) == 2 && info.Types[inner.Args[1]].Value != nil {
			return false
		}
		if httpsym.CalleeIs(info, inner, "bytes", "NewReader", "NewBufferString", "NewBuffer") || httpsym.CalleeIs(info, inner, "strings", "NewReader") {
			return false
		}
	}
	if len(call.Args) == 3 && info.Types[call.Args[2]].Value != nil {
		return false // io.CopyN with a constant count
	}
	return true
}

// smallLimit reports whether a body limit is a constant small enough that
// the body is meant to be short (at most 64 MiB); a limit from
// configuration allows uploads of any size.
func smallLimit(info *types.Info, e ast.Expr) bool {
	if e == nil {
		return false
	}
	tv := info.Types[e]
	if tv.Value == nil {
		return false
	}
	n, ok := constant.Int64Val(constant.ToInt(tv.Value))
	return ok && n <= 64<<20
}

// errorChecked reports whether the error result of call is used.
func errorChecked(body *ast.BlockStmt, call *ast.CallExpr) bool {
	checked := true
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.ExprStmt:
			if ast.Unparen(n.X) == call {
				checked = false
			}
		case *ast.AssignStmt:
			if len(n.Rhs) == 1 && ast.Unparen(n.Rhs[0]) == call {
				if id, ok := n.Lhs[0].(*ast.Ident); ok && id.Name == "_" {
					checked = false
				}
			}
		case *ast.DeferStmt:
			if n.Call == call {
				checked = false
			}
		case *ast.GoStmt:
			if n.Call == call {
				checked = false
			}
		}
		return checked
	})
	return checked
}

// defaultMux evaluates the handlers registered on http.DefaultServeMux.
func (a *state) defaultMux() *Stream {
	var s *Stream
	for _, h := range a.muxRegs {
		s = union(s, a.registeredOn(h, nil).s.via(h.Pos(), "registered on http.DefaultServeMux"))
	}
	for _, pf := range a.pass.AllPackageFacts() {
		if m, ok := pf.Fact.(*MuxStreams); ok {
			s = union(s, m.stream())
		}
	}
	return s
}

// exportFacts publishes what other packages need: streaming functions,
// middleware pass-through, streaming variables and fields, and default
// mux registrations.
func (a *state) exportFacts() {
	for fn := range a.decls {
		a.exportRegisters(fn)
		if a.flushHelper(fn) {
			a.pass.ExportObjectFact(fn, new(Flushes))
		}
		sum := a.funcFlow(fn)
		s := sum.s
		if fn.Name() == "ServeHTTP" || a.requestPath(fn.Signature()) {
			s = sum.resolve(a)
		}
		if s != nil {
			a.pass.ExportObjectFact(fn, factOf(s))
		}
		var params []int
		for _, p := range sum.params {
			// -1, the receiver: a method that returns it, gin's r.Handler().
			if p >= 0 || fn.Name() != "ServeHTTP" && !a.requestPath(fn.Signature()) && a.returnsHandler(fn.Signature()) {
				params = append(params, p)
			}
		}
		var fields []string
		if fn.Name() == "ServeHTTP" {
			for _, v := range sum.fields {
				if v.Exported() { // only exported fields can be set from another package
					fields = append(fields, v.Name())
				}
			}
		}
		if len(params) > 0 || len(fields) > 0 {
			slices.Sort(params)
			a.pass.ExportObjectFact(fn, &Passes{Params: params, Fields: fields, Clears: sum.clears})
		}
	}
	seen := make(map[*types.Var]bool)
	for _, m := range []map[*types.Var][]ast.Expr{a.assigns, a.keyed, a.routes} {
		for v := range m {
			if seen[v] || v.Pkg() != a.pass.Pkg {
				continue
			}
			seen[v] = true
			if !v.IsField() && v.Parent() != a.pass.Pkg.Scope() {
				continue // locals cannot be named from another package
			}
			if s := a.varStream(v); s != nil {
				a.pass.ExportObjectFact(v, factOf(s))
			}
		}
	}
	var mux *Stream
	for _, h := range a.muxRegs {
		mux = union(mux, a.registeredOn(h, nil).s)
	}
	if mux != nil {
		a.pass.ExportPackageFact(&MuxStreams{*factOf(mux)})
	}
}
