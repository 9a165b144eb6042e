package streamflow

import (
	"go/ast"
	"go/token"
	"go/types"
	"slices"
	"strconv"
	"strings"
)

// Routes registered in helpers: func register(mux *http.ServeMux) {
// mux.HandleFunc("/events", sse) }, RegisterRoutes(r chi.Router),
// generated Mount(mux, h) functions. A router passed to a function routes
// to whatever that function registers on its parameter; the Registers
// fact carries this to other packages.

// Registers is the fact that a function registers handlers on routers it
// takes as parameters.
type Registers struct {
	On []Registration
}

// Registration is what a function registers on one router parameter.
type Registration struct {
	Param  int // the router parameter
	Dir    Dir // how the handlers it registers by itself stream (0: they do not)
	Source string
	Where  string
	Proxy  bool
	Passes []int // parameters whose handlers it registers on the router
	// Fields are field paths of parameters whose handlers it registers:
	// generated Mount(mux, h *Server) registers h.Download.
	Fields []ParamField
}

func (*Registers) AFact() {}

func (f *Registers) String() string {
	var parts []string
	for _, r := range f.On {
		s := "arg" + strconv.Itoa(r.Param) + ":"
		if r.Dir != 0 {
			s += " streams " + r.Dir.String() + ": " + r.Source
		}
		for _, p := range r.Passes {
			s += " arg" + strconv.Itoa(p)
		}
		for _, pf := range r.Fields {
			s += " arg" + strconv.Itoa(pf.Param) + "." + strings.Join(pf.Path, ".")
		}
		parts = append(parts, s)
	}
	return "registers on " + strings.Join(parts, "; ")
}

// argUse is a variable passed as argument param of a call to fn.
type argUse struct {
	call  *ast.CallExpr
	fn    *types.Func
	param int
}

type regKey struct {
	fn    *types.Func
	param int
}

// indexPassed records the variables passed to functions of the program:
// register(mux), api.Mount(r), register(r.Group("/v1")).
func (a *state) indexPassed(call *ast.CallExpr) {
	fn, ok := typeOfCallee(a, call)
	if !ok || fn.Pkg() == nil || strings.HasPrefix(fn.Pkg().Path(), "net/http") {
		return
	}
	for i, arg := range call.Args {
		arg = ast.Unparen(arg)
		if u, ok := arg.(*ast.UnaryExpr); ok && u.Op == token.AND {
			arg = u.X
		}
		v := a.varOf(arg)
		if v == nil {
			if inner, ok := arg.(*ast.CallExpr); ok {
				if sel, ok := ast.Unparen(inner.Fun).(*ast.SelectorExpr); ok && a.pass.TypesInfo.Selections[sel] != nil {
					v = a.chainRoot(sel) // a router derived in place: register(r.Group("/v1"))
				}
			}
		}
		if v == nil || a.handlerType(v.Type()) && !a.sym.IsHandler(v.Type()) {
			continue // nothing to register on, or a handler function passed along
		}
		a.passed[v] = append(a.passed[v], argUse{call, fn, i})
	}
}

func typeOfCallee(a *state, call *ast.CallExpr) (*types.Func, bool) {
	if tv, ok := a.pass.TypesInfo.Types[call.Fun]; ok && tv.IsType() {
		return nil, false
	}
	fn, ok := calleeFunc(a, call)
	return fn, ok && fn != nil
}

func calleeFunc(a *state, call *ast.CallExpr) (*types.Func, bool) {
	switch fun := ast.Unparen(call.Fun).(type) {
	case *ast.Ident:
		fn, ok := a.pass.TypesInfo.Uses[fun].(*types.Func)
		return fn, ok
	case *ast.SelectorExpr:
		if sel := a.pass.TypesInfo.Selections[fun]; sel != nil {
			fn, ok := sel.Obj().(*types.Func)
			return fn, ok && sel.Kind() == types.MethodVal
		}
		fn, ok := a.pass.TypesInfo.Uses[fun.Sel].(*types.Func)
		return fn, ok
	}
	return nil, false
}

// helperRoutes evaluates what the functions v is passed to register on it.
func (a *state) helperRoutes(v *types.Var, en *env) flow {
	var f flow
	for _, u := range a.passed[v] {
		g := a.registered(u.fn, u.param)
		msg := "registered by " + u.fn.Name()
		out := flow{s: g.s.via(u.call.Pos(), msg)}
		for _, p := range g.params {
			if p >= 0 && p < len(u.call.Args) {
				out = out.join(a.eval(u.call.Args[p], en).via(u.call.Pos(), msg))
			}
		}
		for _, pf := range g.pfields {
			if pf.Param < len(u.call.Args) {
				out = out.join(a.argField(u.call.Args[pf.Param], pf.Path, en).via(u.call.Pos(), msg))
			}
		}
		f = f.join(out)
	}
	return f
}

// registered evaluates what fn registers on its parameter i, in terms of
// fn's own parameters.
func (a *state) registered(fn *types.Func, i int) flow {
	fn = fn.Origin()
	key := regKey{fn, i}
	if f, ok := a.regs[key]; ok {
		return f
	}
	var f flow
	if recv := fn.Signature().Recv(); recv != nil && types.IsInterface(recv.Type()) {
		// s.SetupRoutes(mux) on an interface: every implementation in view
		// may be the one called.
		if a.busy[key] {
			return f
		}
		a.busy[key] = true
		for _, impl := range a.implementations(fn) {
			g := a.registered(impl, i)
			// The implementation has the method's signature: its
			// parameters are the call's arguments too.
			g.s = g.s.via(impl.Pos(), "registered by "+types.TypeString(impl.Signature().Recv().Type(), types.RelativeTo(a.pass.Pkg))+"."+impl.Name())
			f = f.join(g)
		}
		delete(a.busy, key)
		a.regs[key] = f
		return f
	}
	if fn.Pkg() != a.pass.Pkg {
		var fact Registers
		if fn.Pkg() != nil && a.pass.ImportObjectFact(fn, &fact) {
			for _, r := range fact.On {
				if r.Param == i {
					if r.Dir != 0 {
						f.s = &Stream{Dir: r.Dir, Source: r.Source, Where: r.Where, Proxy: r.Proxy}
					}
					f.params = r.Passes
					f.pfields = r.Fields
				}
			}
		}
		a.regs[key] = f
		return f
	}
	sig := fn.Signature()
	if a.decls[fn] == nil || i >= sig.Params().Len() || a.busy[key] {
		return f
	}
	a.busy[key] = true
	defer delete(a.busy, key)
	f = a.routesOf(sig.Params().At(i), a.envOf(fn))
	a.regs[key] = f
	return f
}

// envOf binds the parameters and receiver of fn for its summary.
func (a *state) envOf(fn *types.Func) *env {
	en := &env{params: make(map[*types.Var]int)}
	sig := fn.Signature()
	for i := range sig.Params().Len() {
		en.params[sig.Params().At(i)] = i
	}
	if recv := sig.Recv(); recv != nil {
		en.recv = recv
		en.params[recv] = -1
	}
	return en
}

// exportRegisters publishes what each function registers on its router
// parameters.
func (a *state) exportRegisters(fn *types.Func) {
	var fact Registers
	sig := fn.Signature()
	for i := range sig.Params().Len() {
		p := sig.Params().At(i)
		if len(a.routes[p])+len(a.derived[p])+len(a.passed[p]) == 0 {
			continue // registers nothing on it
		}
		f := a.registered(fn, i)
		var passes []int
		for _, q := range f.params {
			if q >= 0 {
				passes = append(passes, q)
			}
		}
		slices.Sort(passes)
		fields := slices.Clone(f.pfields)
		slices.SortFunc(fields, func(x, y ParamField) int {
			if x.Param != y.Param {
				return x.Param - y.Param
			}
			return strings.Compare(strings.Join(x.Path, "."), strings.Join(y.Path, "."))
		})
		if f.s == nil && len(passes) == 0 && len(fields) == 0 {
			continue
		}
		r := Registration{Param: i, Passes: passes, Fields: fields}
		if f.s != nil {
			r.Dir, r.Source, r.Where, r.Proxy = f.s.Dir, f.s.Source, f.s.Where, f.s.Proxy
		}
		fact.On = append(fact.On, r)
	}
	if len(fact.On) > 0 {
		a.pass.ExportObjectFact(fn, &fact)
	}
}

// implementations returns the methods that implement the interface
// method m: those of the named types of this package and of the packages
// it imports directly, with the same name, whose type implements the
// interface.
func (a *state) implementations(m *types.Func) []*types.Func {
	iface, ok := m.Signature().Recv().Type().Underlying().(*types.Interface)
	if !ok {
		return nil
	}
	var out []*types.Func
	scopes := []*types.Scope{a.pass.Pkg.Scope()}
	for _, imp := range a.pass.Pkg.Imports() {
		scopes = append(scopes, imp.Scope())
	}
	for _, scope := range scopes {
		for _, name := range scope.Names() {
			tn, ok := scope.Lookup(name).(*types.TypeName)
			if !ok || tn.IsAlias() || types.IsInterface(tn.Type()) {
				continue
			}
			for _, t := range []types.Type{tn.Type(), types.NewPointer(tn.Type())} {
				if !types.Implements(t, iface) {
					continue
				}
				obj, _, _ := types.LookupFieldOrMethod(t, true, tn.Pkg(), m.Name())
				if impl, ok := obj.(*types.Func); ok && !slices.Contains(out, impl) {
					out = append(out, impl)
				}
				break
			}
		}
	}
	return out
}

// OpenRegistration is a router handed to an interface method whose
// implementations are not in view here (they live in packages that import
// this one): what they register is known only there.
type OpenRegistration struct {
	Method *types.Func // the interface method, declared in this package
	Param  int         // the parameter the router is passed as
}

// Open returns the interface methods of this package that the router e
// (a variable) is passed to with no implementation in view:
// s.SetupSubrouters(router) for each plugin of other packages.
func (r *Result) Open(e ast.Expr) []OpenRegistration {
	if r == nil || r.a == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	a := r.a
	v := a.varOf(ast.Unparen(e))
	if v == nil {
		return nil
	}
	var out []OpenRegistration
	for _, u := range a.passed[v] {
		if !isInterfaceMethod(u.fn) || u.fn.Pkg() != a.pass.Pkg {
			continue
		}
		if len(a.implementations(u.fn)) > 0 {
			continue // implementations in view: judged by what they register
		}
		o := OpenRegistration{Method: u.fn, Param: u.param}
		if !slices.Contains(out, o) {
			out = append(out, o)
		}
	}
	return out
}

// Registered reports how the handlers that fn registers on its parameter
// i stream, or nil.
func (r *Result) Registered(fn *types.Func, i int) *Stream {
	if r == nil || r.a == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	f := r.a.registered(fn, i)
	return f.resolve(r.a)
}
