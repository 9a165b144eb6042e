package writetimeout

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/tools/go/analysis"

	"github.com/streamvet/streamvet/analyzer/internal/httpsym"
	"github.com/streamvet/streamvet/analyzer/streamflow"
)

// A server built around a handler parameter, in this package or another:
//
//	func serve(h http.Handler) error {
//		srv := &http.Server{Handler: h, WriteTimeout: 15 * time.Second}
//		return srv.ListenAndServe()
//	}
//
// The server cannot know what it serves; each call can. A call in the
// same package that passes a stream is reported at the server, with its
// fix and the call as related information. The ServesParam fact says
// which parameter a function serves with which absolute timeouts, so a
// call in another package that passes a stream is reported at the call,
// with the server's setting named in the message.

// ServesParam is the fact that a function serves its parameters on
// servers with absolute timeouts.
type ServesParam struct {
	Params []ServedParam
}

// ServedParam is one parameter served with absolute timeouts.
type ServedParam struct {
	Param    int
	Timeouts []Timeout
}

// Timeout is an absolute timeout of the server that serves a parameter.
// When its value is a field of the builder's receiver or of one of its
// parameters (hss.WriteTimeout), Field is the path to it and FieldParam
// which (-1: the receiver): each call decides whether it is set.
type Timeout struct {
	Name       string // WriteTimeout or ReadTimeout
	Value      string // 15s, cfg.WriteTimeout
	Where      string // file.go:line of the setting
	Field      []string
	FieldParam int

	pos token.Pos // the setting, when it is in this package
}

func (*ServesParam) AFact() {}

func (f *ServesParam) String() string {
	var parts []string
	for _, p := range f.Params {
		var names []string
		for _, t := range p.Timeouts {
			names = append(names, t.Name+" "+t.Value)
		}
		arg := "arg" + strconv.Itoa(p.Param)
		switch p.Param {
		case -1:
			arg = "the receiver"
		case resultParam:
			arg = "the result"
		}
		parts = append(parts, arg+" with "+strings.Join(names, ", "))
	}
	return "serves " + strings.Join(parts, "; ")
}

// resultParam is the ServedParam of a builder that returns the router its
// server serves: the routes callers register on the result are served.
const resultParam = -2

// resultRouter returns the function whose result holds the router e,
// the handler of a server built in it: e is a local router variable, and
// every return of the function gives it back, itself or in a composite
// literal (&Server{mux: mux, srv: srv}), so the routes callers register
// on the result are served by that server.
func resultRouter(pass *analysis.Pass, e ast.Expr) (*types.Func, *ast.FuncDecl) {
	info := pass.TypesInfo
	// s.mux of a local s the function returns: the router is a field of
	// the result itself.
	inField := false
	for {
		sel, ok := ast.Unparen(e).(*ast.SelectorExpr)
		if !ok || fieldOf(info, sel) == nil {
			break
		}
		e, inField = sel.X, true
	}
	v := identVar(info, e)
	decl := enclosingDecl(pass, e.Pos())
	if v == nil || decl == nil || decl.Body == nil || v.Pos() < decl.Body.Pos() || v.Pos() >= decl.Body.End() {
		return nil, nil
	}
	fn, _ := info.Defs[decl.Name].(*types.Func)
	if fn == nil || fn.Signature().Results().Len() == 0 {
		return nil, nil
	}
	// The result holds the router itself, or as a field of its own (not
	// only inside the *http.Server it returns, where nothing can add
	// routes): v, &Server{mux: v, …}.
	holds := func(r ast.Expr) bool {
		r = ast.Unparen(r)
		if u, ok := r.(*ast.UnaryExpr); ok && u.Op == token.AND {
			r = ast.Unparen(u.X)
		}
		if id, ok := r.(*ast.Ident); ok {
			return info.Uses[id] == v
		}
		if inField {
			return false // the struct itself must be returned
		}
		lit, ok := r.(*ast.CompositeLit)
		if !ok || isServer(info.TypeOf(lit)) {
			return false
		}
		for _, elt := range lit.Elts {
			if kv, ok := elt.(*ast.KeyValueExpr); ok {
				elt = kv.Value
			}
			if id, ok := ast.Unparen(elt).(*ast.Ident); ok && info.Uses[id] == v {
				return true
			}
		}
		return false
	}
	returns := 0
	ok := true
	ast.Inspect(decl.Body, func(n ast.Node) bool {
		if _, isLit := n.(*ast.FuncLit); isLit {
			return false
		}
		ret, isRet := n.(*ast.ReturnStmt)
		if !isRet || len(ret.Results) == 0 {
			return true
		}
		r := ast.Unparen(ret.Results[0])
		if id, isID := r.(*ast.Ident); isID {
			if _, isNil := info.Uses[id].(*types.Nil); isNil {
				return true // return nil, err: the error path
			}
		}
		returns++
		if id, isID := r.(*ast.Ident); isID && info.Uses[id] != v {
			// a local holding the literal: s := &Server{mux: mux}; return s
			if lv, isVar := info.Uses[id].(*types.Var); isVar {
				held := false
				ast.Inspect(decl.Body, func(m ast.Node) bool {
					if as, isAs := m.(*ast.AssignStmt); isAs && len(as.Lhs) == len(as.Rhs) {
						for i, l := range as.Lhs {
							if lid, isLID := l.(*ast.Ident); isLID && info.ObjectOf(lid) == lv && holds(as.Rhs[i]) {
								held = true
							}
						}
					}
					return true
				})
				ok = ok && held
				return true
			}
		}
		ok = ok && holds(r)
		return true
	})
	if !ok || returns == 0 {
		return nil, nil
	}
	return fn, decl
}

// paramServers finds the servers whose handler is a parameter of the
// function around them, or a field that a function stores its parameter
// in: func New(h http.Handler) *Server { return &Server{handler: h} } and
// a method that serves s.handler.
func paramServers(pass *analysis.Pass, flows *streamflow.Result, k *knobs, servers []*server) map[*types.Func][]ServedParam {
	served := make(map[*types.Func][]ServedParam)
	var stores map[*types.Var][]paramStore
	for _, s := range servers {
		h, ok := s.settings["Handler"]
		if !ok {
			continue
		}
		if rfn, decl := resultRouter(pass, h.Value); rfn != nil && flows.Handler(h.Value) == nil {
			if timeouts := builderTimeouts(pass, k, s, decl); len(timeouts) > 0 {
				served[rfn] = addServed(served[rfn], ServedParam{Param: resultParam, Timeouts: timeouts})
			}
			continue
		}
		fn, i, decl := paramOf(pass, h.Value)
		if fn == nil {
			fn, i, decl = wrappedParam(pass, flows, h.Value)
		}
		if fn == nil {
			// s.mux of a parameter s: newInstance(ctx, s, l) serves the
			// router of the struct its caller passes.
			if root := fieldRoot(pass.TypesInfo, h.Value); root != nil {
				if rf, ri, rd := paramOf(pass, root); rf != nil && ri >= 0 {
					if timeouts := builderTimeouts(pass, k, s, rd); len(timeouts) > 0 {
						served[rf] = addServed(served[rf], ServedParam{Param: ri, Timeouts: timeouts})
					}
					continue
				}
			}
		}
		field := fieldOf(pass.TypesInfo, h.Value)
		if fn == nil && (field == nil || field.Pkg() != pass.Pkg) {
			continue // not a parameter: the check at the server decides
		}
		if flows.Handler(h.Value) != nil {
			continue // the handler streams already: reported at the server
		}
		if fn != nil {
			if timeouts := builderTimeouts(pass, k, s, decl); len(timeouts) > 0 {
				served[fn] = addServed(served[fn], ServedParam{Param: i, Timeouts: timeouts})
			}
			continue
		}
		if stores == nil {
			stores = paramStores(pass)
		}
		timeouts := builderTimeouts(pass, k, s, enclosingDecl(pass, h.Value.Pos()))
		if len(timeouts) == 0 {
			continue
		}
		for _, st := range stores[field] {
			served[st.fn] = addServed(served[st.fn], ServedParam{Param: st.param, Timeouts: timeouts})
		}
	}
	return served
}

// builderTimeouts returns the absolute timeouts of s that the function
// decl sets itself: a timeout one caller sets through an option closure
// is not the builder's.
func builderTimeouts(pass *analysis.Pass, k *knobs, s *server, decl *ast.FuncDecl) []Timeout {
	if decl == nil {
		return nil
	}
	var timeouts []Timeout
	for _, name := range []string{"ReadTimeout", "WriteTimeout"} {
		set, ok := s.settings[name]
		if !ok || isZero(pass.TypesInfo, set.Value) || k.unset(set.Value) {
			continue
		}
		if set.Node.Pos() < decl.Pos() || set.Node.Pos() >= decl.End() {
			continue
		}
		t := Timeout{Name: name, Value: valueString(pass.TypesInfo, set.Value), Where: httpsym.Where(pass.Fset, set.Node.Pos()), pos: set.Node.Pos()}
		t.Field, t.FieldParam = paramField(pass, set.Value, decl)
		timeouts = append(timeouts, t)
	}
	return timeouts
}

// paramField returns the field path of e when it reads a field of the
// receiver or a parameter of decl (hss.WriteTimeout), and which one.
func paramField(pass *analysis.Pass, e ast.Expr, decl *ast.FuncDecl) ([]string, int) {
	var path []string
	root := ast.Unparen(e)
	for {
		sel, ok := root.(*ast.SelectorExpr)
		if !ok || fieldOf(pass.TypesInfo, sel) == nil {
			break
		}
		path = append([]string{sel.Sel.Name}, path...)
		root = ast.Unparen(sel.X)
	}
	if len(path) == 0 {
		return nil, 0
	}
	fn, _ := pass.TypesInfo.Defs[decl.Name].(*types.Func)
	if fn == nil {
		return nil, 0
	}
	if recv := fn.Signature().Recv(); recv != nil && identVar(pass.TypesInfo, root) == recv {
		return path, -1
	}
	if i := paramIndex(pass.TypesInfo, fn, root); i >= 0 {
		return path, i
	}
	return nil, 0
}

// paramStore is a function that stores its parameter in a field.
type paramStore struct {
	fn    *types.Func
	param int
}

// paramStores finds, for each field, the declared functions that store
// one of their parameters in it: &Server{handler: h}, s.handler = h.
func paramStores(pass *analysis.Pass) map[*types.Var][]paramStore {
	info := pass.TypesInfo
	stores := make(map[*types.Var][]paramStore)
	for _, f := range pass.Files {
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			fn, _ := info.Defs[fd.Name].(*types.Func)
			if fn == nil {
				continue
			}
			add := func(field *types.Var, value ast.Expr) {
				if i := paramIndex(info, fn, value); field != nil && i >= 0 {
					stores[field] = append(stores[field], paramStore{fn, i})
				}
			}
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.KeyValueExpr:
					if id, ok := n.Key.(*ast.Ident); ok {
						if v, ok := info.Uses[id].(*types.Var); ok && v.IsField() {
							add(v, n.Value)
						}
					}
				case *ast.AssignStmt:
					if len(n.Lhs) == len(n.Rhs) {
						for i := range n.Lhs {
							add(fieldOf(info, n.Lhs[i]), n.Rhs[i])
						}
					}
				}
				return true
			})
		}
	}
	return stores
}

// fieldOf returns the field that the selector e names, or nil.
func fieldOf(info *types.Info, e ast.Expr) *types.Var {
	sel, ok := ast.Unparen(e).(*ast.SelectorExpr)
	if !ok || info.Selections[sel] == nil || info.Selections[sel].Kind() != types.FieldVal {
		return nil
	}
	return info.Selections[sel].Obj().(*types.Var)
}

// enclosingDecl returns the function declaration that contains pos.
func enclosingDecl(pass *analysis.Pass, pos token.Pos) *ast.FuncDecl {
	f := httpsym.FileOf(pass, pos)
	if f == nil {
		return nil
	}
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Pos() <= pos && pos < fd.End() {
			return fd
		}
	}
	return nil
}

func addServed(list []ServedParam, p ServedParam) []ServedParam {
	for i := range list {
		if list[i].Param == p.Param {
			for _, t := range p.Timeouts {
				if !slices.ContainsFunc(list[i].Timeouts, func(u Timeout) bool { return u.Name == t.Name && u.Where == t.Where }) {
					list[i].Timeouts = append(list[i].Timeouts, t)
				}
			}
			return list
		}
	}
	return append(list, p)
}

// paramOf reports which parameter of which declared function e names (-1:
// the receiver), and the function's declaration.
func paramOf(pass *analysis.Pass, e ast.Expr) (*types.Func, int, *ast.FuncDecl) {
	fd := enclosingDecl(pass, e.Pos())
	if fd == nil {
		return nil, -1, nil
	}
	fn, _ := pass.TypesInfo.Defs[fd.Name].(*types.Func)
	if fn == nil {
		return nil, -1, nil
	}
	if recv := fn.Signature().Recv(); recv != nil && identVar(pass.TypesInfo, e) == recv {
		return fn, -1, fd // (e *Echo) Start: sc.Start(ctx, e)
	}
	if i := paramIndex(pass.TypesInfo, fn, e); i >= 0 {
		return fn, i, fd
	}
	return nil, -1, nil // a local, or a parameter of a closure
}

// serveMore adds sp to what fn serves and reports whether that added a
// parameter or a timeout.
func serveMore(served map[*types.Func][]ServedParam, fn *types.Func, sp ServedParam) bool {
	count := func() (params, timeouts int) {
		for _, q := range served[fn] {
			timeouts += len(q.Timeouts)
		}
		return len(served[fn]), timeouts
	}
	p0, t0 := count()
	served[fn] = addServed(served[fn], sp)
	p1, t1 := count()
	return p1 != p0 || t1 != t0
}

// liftTimeouts restates the timeouts that fn, called here, reads from
// fields of its parameters for the function making the call: the field
// of the caller's parameter that is passed, or, for any other argument,
// no field (what sets it is not known to the caller's callers).
func liftTimeouts(pass *analysis.Pass, call *ast.CallExpr, fn *types.Func, ts []Timeout) []Timeout {
	out := make([]Timeout, len(ts))
	for i, t := range ts {
		out[i] = t
		if len(t.Field) == 0 {
			continue
		}
		out[i].Field, out[i].FieldParam = nil, 0
		arg := servedArg(call, fn, t.FieldParam)
		if arg == nil {
			continue
		}
		if outer, j, _ := paramOf(pass, arg); outer != nil {
			out[i].Field, out[i].FieldParam = t.Field, j
		}
	}
	return out
}

// fieldRoot returns x of a field chain x.f.g, or nil.
func fieldRoot(info *types.Info, e ast.Expr) ast.Expr {
	sel, ok := ast.Unparen(e).(*ast.SelectorExpr)
	if !ok || fieldOf(info, sel) == nil {
		return nil
	}
	for {
		inner, ok := ast.Unparen(sel.X).(*ast.SelectorExpr)
		if !ok || fieldOf(info, inner) == nil {
			return sel.X
		}
		sel = inner
	}
}

// wrappedParam reports which parameter of the declared function around e
// the handler e wraps (Handler: h2c.NewHandler(handler, s)): the one
// parameter whose handler it serves.
func wrappedParam(pass *analysis.Pass, flows *streamflow.Result, e ast.Expr) (*types.Func, int, *ast.FuncDecl) {
	if _, ok := ast.Unparen(e).(*ast.CallExpr); !ok {
		return nil, -1, nil
	}
	fd := enclosingDecl(pass, e.Pos())
	if fd == nil {
		return nil, -1, nil
	}
	fn, _ := pass.TypesInfo.Defs[fd.Name].(*types.Func)
	if fn == nil {
		return nil, -1, nil
	}
	params := flows.Wraps(e, fn)
	if len(params) != 1 || params[0] < 0 {
		return nil, -1, nil
	}
	return fn, params[0], fd
}

// paramIndex returns which parameter of fn the identifier e names, or -1.
func paramIndex(info *types.Info, fn *types.Func, e ast.Expr) int {
	v := identVar(info, e)
	if v == nil {
		return -1
	}
	params := fn.Signature().Params()
	for i := range params.Len() {
		if params.At(i) == v {
			return i
		}
	}
	return -1
}

// identVar returns the variable the identifier e uses, or nil.
func identVar(info *types.Info, e ast.Expr) *types.Var {
	id, ok := ast.Unparen(e).(*ast.Ident)
	if !ok {
		return nil
	}
	v, _ := info.Uses[id].(*types.Var)
	return v
}

// servedArg returns the argument of call that parameter i receives (-1:
// the receiver of a method call), or nil.
func servedArg(call *ast.CallExpr, fn *types.Func, i int) ast.Expr {
	if i < 0 {
		if sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr); ok && fn.Signature().Recv() != nil {
			return sel.X
		}
		return nil
	}
	if i >= len(call.Args) || fn.Signature().Variadic() && i >= fn.Signature().Params().Len()-1 {
		return nil
	}
	return call.Args[i]
}

// checkParamServers reports calls that pass a stream to a function that
// serves it with absolute timeouts, and exports the facts; a function
// that hands its own parameter on serves it too.
func checkParamServers(pass *analysis.Pass, flows *streamflow.Result, k *knobs, calls []*ast.CallExpr, servers []*server, overrides map[*ast.CallExpr][]string) {
	info := pass.TypesInfo
	served := paramServers(pass, flows, k, servers)
	lookup := func(fn *types.Func) []ServedParam {
		if fn.Pkg() == pass.Pkg {
			return served[fn]
		}
		var fact ServesParam
		if pass.ImportObjectFact(fn, &fact) {
			return fact.Params
		}
		return nil
	}
	type finding struct {
		call *ast.CallExpr
		fn   *types.Func
		arg  ast.Expr
		p    ServedParam
	}
	var findings []finding
	// The variables builders' results are kept in: s := server.New(cfg).
	results := make(map[*ast.CallExpr]ast.Expr)
	for _, f := range pass.Files {
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.AssignStmt:
				if len(n.Rhs) == 1 && len(n.Lhs) >= 1 {
					if c, ok := ast.Unparen(n.Rhs[0]).(*ast.CallExpr); ok {
						results[c] = n.Lhs[0]
					}
				}
			case *ast.ValueSpec:
				if len(n.Values) == 1 && len(n.Names) >= 1 {
					if c, ok := ast.Unparen(n.Values[0]).(*ast.CallExpr); ok {
						results[c] = n.Names[0]
					}
				}
			}
			return true
		})
	}
	// Propagate through functions that pass their parameter on, until
	// nothing changes (bounded: each round adds a parameter or stops).
	for changed, round := true, 0; changed && round < 8; round++ {
		changed = false
		findings = findings[:0]
		for _, call := range calls {
			fn, _ := httpsym.Callee(info, call).(*types.Func)
			if fn == nil {
				continue
			}
			for _, p := range lookup(fn.Origin()) {
				arg := servedArg(call, fn, p.Param)
				if p.Param == resultParam {
					arg = results[call]
				}
				if arg == nil {
					continue
				}
				if outer, i, _ := paramOf(pass, arg); outer != nil {
					changed = serveMore(served, outer, ServedParam{Param: i, Timeouts: liftTimeouts(pass, call, fn, p.Timeouts)}) || changed
					continue
				}
				if rfn, _ := resultRouter(pass, arg); rfn != nil && p.Param >= 0 && flows.Handler(arg) == nil {
					// newInstance(ctx, s, l) on the s the caller returns:
					// the caller serves what is registered on its result.
					changed = serveMore(served, rfn, ServedParam{Param: resultParam, Timeouts: liftTimeouts(pass, call, fn, p.Timeouts)}) || changed
					continue
				}
				findings = append(findings, finding{call, fn, arg, p})
			}
		}
	}
	for fn, params := range served {
		pass.ExportObjectFact(fn, &ServesParam{Params: params})
	}
	for _, f := range findings {
		s := flows.Handler(f.arg)
		if s == nil {
			if srv := serverAt(servers, f.p.Timeouts); srv != nil {
				srv.quiet = append(srv.quiet, f.arg)
			}
			continue // the handler passed here does not stream
		}
		if srv := serverAt(servers, f.p.Timeouts); srv != nil {
			// The server is in this package: report it there, with its
			// fix, unless the configuration this call passes leaves
			// every timeout zero.
			leftZero := !slices.ContainsFunc(f.p.Timeouts, func(t Timeout) bool { return !k.unsetAt(f.call, f.fn, t) })
			k.closedUnset = ""
			if srv.passed == nil && leftZero {
				continue
			}
			if srv.passed == nil {
				srv.passed, srv.passedTo = f.arg, f.call
			}
			continue
		}
		for _, t := range f.p.Timeouts {
			dir := streamflow.Writes
			if t.Name == "ReadTimeout" {
				dir = streamflow.Reads
			}
			if s.Dir&dir == 0 || s.Unwrapped&dir != 0 {
				continue // streams the other way only, or clears the deadline
			}
			if slices.Contains(overrides[f.call], t.Name) {
				continue // the call's own callback sets it: checked there
			}
			if k.closedUnset = ""; k.unsetAt(f.call, f.fn, t) {
				k.pend(t.Name, t.Where, s.For(dir))
				continue // the configuration this call passes leaves it zero
			}
			cause := s.For(dir)
			d := analysis.Diagnostic{
				Pos:     f.arg.Pos(),
				End:     f.arg.End(),
				Message: paramMessage(f.fn, t, describe(f.arg), cause),
			}
			if f.p.Param == resultParam {
				// Reported at the builder's call: the routes registered on
				// its result are served there.
				d.Pos, d.End = f.call.Pos(), f.call.End()
				d.Message = paramMessage(f.fn, t, "the routes registered on "+describe(f.arg), cause)
			}
			if t.pos.IsValid() {
				d.Related = append(d.Related, analysis.RelatedInformation{Pos: t.pos, Message: "the server's " + t.Name})
			}
			for _, hop := range cause.Hops {
				d.Related = append(d.Related, analysis.RelatedInformation{Pos: hop.Pos, Message: hop.Msg})
			}
			httpsym.Report(pass, d)
		}
	}
}

// unsetAt reports whether the timeout t, read from a field of the
// builder fn's parameter, is left zero by the configuration call passes.
func (k *knobs) unsetAt(call *ast.CallExpr, fn *types.Func, t Timeout) bool {
	if len(t.Field) == 0 {
		return false
	}
	root := servedArg(call, fn, t.FieldParam)
	if root == nil {
		return false
	}
	k.reader = call
	defer func() { k.reader = nil }()
	return k.fieldUnset(root, t.Field, enclosingDecl(k.pass, call.Pos()))
}

func paramMessage(fn *types.Func, t Timeout, handler string, s *streamflow.Stream) string {
	what := "streaming responses"
	if t.Name == "ReadTimeout" {
		what = "streamed request bodies"
	}
	return fmt.Sprintf("%s serves %s (%s) on a server whose %s (%s, %s) cuts %s; remove that timeout and bound streams by inactivity",
		fn.Name(), handler, s.Describe(), t.Name, t.Value, t.Where, what)
}

// valueString renders a timeout's value: a constant as a duration.
func valueString(info *types.Info, e ast.Expr) string {
	if tv := info.Types[e]; tv.Value != nil {
		if d, ok := constant.Int64Val(tv.Value); ok {
			return time.Duration(d).String()
		}
	}
	return types.ExprString(e)
}

// serverAt returns the server of this package that sets one of timeouts.
func serverAt(servers []*server, timeouts []Timeout) *server {
	for _, t := range timeouts {
		if !t.pos.IsValid() {
			continue
		}
		for _, s := range servers {
			if set, ok := s.settings[t.Name]; ok && set.Node.Pos() == t.pos {
				return s
			}
		}
	}
	return nil
}
