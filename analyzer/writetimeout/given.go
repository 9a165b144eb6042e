package writetimeout

import (
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"

	"golang.org/x/tools/go/analysis"

	"github.com/streamvet/streamvet/analyzer/internal/httpsym"
)

// A value the program gives a configuration field is a default only when
// the program may make it non-zero itself. Where it comes from decides:
//
//	f.DurationVar(&writeTimeout, "wt", defaults.WriteTimeout, "") // the flag's default
//	l = Listen{WriteTimeout: writeTimeout}                          // a parameter: its callers' arguments
//	d, _ := time.ParseDuration(v); l.WriteTimeout = d               // text the user wrote
//
// A constant gives its value; a flag binding its default; a local its
// assignments; a parameter of a function only called directly in the
// package the arguments of those calls; a field the values the package
// gives it. Text parsed into a number (time.ParseDuration(v),
// strconv.Atoi(v)) is the user's choice, not the program's, unless the
// text is a constant. Anything else (a call, a global of another
// package, a value behind a pointer) may be non-zero.

// giver answers whether the program may give an expression a non-zero
// value.
type giver struct {
	info *types.Info
	main bool
	// sources are the values each variable or field is given in the
	// package; a nil source is one that cannot be followed (a range
	// variable, x++, its address handed on).
	sources map[*types.Var][]ast.Expr
	// defaults maps &v handed to a flag binding to the flag's default.
	defaults map[*ast.UnaryExpr]ast.Expr
	// params holds the function and index of each parameter of a
	// function declared in the package, calls the direct calls of each,
	// and escaped the functions used otherwise (as values).
	params  map[*types.Var]paramSlot
	calls   map[*types.Func][]*ast.CallExpr
	escaped map[*types.Func]bool
	// imported are the fields other packages' facts say they set.
	imported map[string]bool
	fset     *token.FileSet
	pkg      *types.Package
	memo     map[*types.Var]int8 // 1 in progress, 2 yes, 3 no
}

type paramSlot struct {
	fn *types.Func
	i  int
}

func newGiver(pass *analysis.Pass, main bool) *giver {
	info := pass.TypesInfo
	g := &giver{
		info:     info,
		main:     main,
		fset:     pass.Fset,
		pkg:      pass.Pkg,
		sources:  make(map[*types.Var][]ast.Expr),
		defaults: make(map[*ast.UnaryExpr]ast.Expr),
		params:   make(map[*types.Var]paramSlot),
		calls:    make(map[*types.Func][]*ast.CallExpr),
		escaped:  make(map[*types.Func]bool),
		imported: make(map[string]bool),
		memo:     make(map[*types.Var]int8),
	}
	for _, pf := range pass.AllPackageFacts() {
		if f, ok := pf.Fact.(*SetsFields); ok && pf.Package != pass.Pkg {
			for _, fs := range f.Fields {
				if fs.Via == "" {
					g.imported[fs.Key] = true
				}
			}
		}
	}
	target := func(e ast.Expr) *types.Var {
		e = ast.Unparen(e)
		if v := fieldOf(info, e); v != nil {
			return v
		}
		if id, ok := e.(*ast.Ident); ok {
			if v, ok := info.Uses[id].(*types.Var); ok {
				return v
			}
			if v, ok := info.Defs[id].(*types.Var); ok {
				return v
			}
		}
		return nil
	}
	add := func(v *types.Var, src ast.Expr) {
		if v != nil {
			g.sources[v] = append(g.sources[v], src)
		}
	}
	inCallFun := make(map[*ast.Ident]bool)
	for _, f := range pass.Files {
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.FuncDecl:
				fn, _ := info.Defs[n.Name].(*types.Func)
				if fn == nil {
					break
				}
				params := fn.Signature().Params()
				for i := range params.Len() {
					g.params[params.At(i)] = paramSlot{fn, i}
				}
				if recv := fn.Signature().Recv(); recv != nil {
					add(recv, nil)
				}
			case *ast.FuncLit:
				for _, fld := range n.Type.Params.List {
					for _, name := range fld.Names {
						add(target(name), nil) // its callers are not followed
					}
				}
			case *ast.CallExpr:
				if fn, ok := httpsym.Callee(info, n).(*types.Func); ok && fn.Pkg() == pass.Pkg {
					g.calls[fn] = append(g.calls[fn], n)
					switch fun := ast.Unparen(n.Fun).(type) {
					case *ast.Ident:
						inCallFun[fun] = true
					case *ast.SelectorExpr:
						inCallFun[fun.Sel] = true
					}
				}
				if len(n.Args) > 0 {
					if u, ok := ast.Unparen(n.Args[0]).(*ast.UnaryExpr); ok && u.Op == token.AND {
						if def := flagDefault(info, n); def != nil {
							g.defaults[u] = def
						}
					}
				}
			case *ast.AssignStmt:
				if len(n.Lhs) == len(n.Rhs) {
					for i, l := range n.Lhs {
						add(target(l), n.Rhs[i])
					}
				} else if len(n.Rhs) == 1 {
					for _, l := range n.Lhs {
						add(target(l), n.Rhs[0]) // v, err := f(): the call decides
					}
				}
			case *ast.ValueSpec:
				for i, name := range n.Names {
					if i < len(n.Values) && len(n.Values) == len(n.Names) {
						add(target(name), n.Values[i])
					} else if len(n.Values) == 1 {
						add(target(name), n.Values[0])
					}
				}
			case *ast.CompositeLit:
				st, ok := deref(info.TypeOf(n)).Underlying().(*types.Struct)
				if !ok {
					break
				}
				for i, elt := range n.Elts {
					if kv, ok := elt.(*ast.KeyValueExpr); ok {
						if id, ok := kv.Key.(*ast.Ident); ok {
							v, _ := info.Uses[id].(*types.Var)
							add(v, kv.Value)
						}
					} else if i < st.NumFields() {
						add(st.Field(i), elt)
					}
				}
			case *ast.RangeStmt:
				add(target(n.Key), nil)
				if n.Value != nil {
					add(target(n.Value), nil)
				}
			case *ast.IncDecStmt:
				add(target(n.X), nil)
			case *ast.StructType:
				for _, name := range taggedDefaults(n) {
					v, _ := info.Defs[name].(*types.Var)
					add(v, nil)
				}
			}
			return true
		})
	}
	// Addresses taken: a flag binding gives its default, anything else
	// may write anything.
	for _, f := range pass.Files {
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.UnaryExpr:
				if n.Op == token.AND {
					if def, ok := g.defaults[n]; ok {
						add(target(n.X), def)
					} else {
						add(target(n.X), nil)
					}
				}
			case *ast.Ident:
				if fn, ok := info.Uses[n].(*types.Func); ok && fn.Pkg() == pass.Pkg && !inCallFun[n] {
					g.escaped[fn] = true
				}
			}
			return true
		})
	}
	return g
}

// flagDefault returns the default of a flag binding call whose first
// argument is the address it binds: flag.DurationVar(&v, name, 30*time.Second,
// usage), pflag's DurationVarP, a program's own FlagSet — the one later
// parameter of the bound variable's type.
func flagDefault(info *types.Info, call *ast.CallExpr) ast.Expr {
	fn, ok := httpsym.Callee(info, call).(*types.Func)
	if !ok {
		return nil
	}
	params := fn.Signature().Params()
	if params.Len() < 3 || params.Len() != len(call.Args) {
		return nil
	}
	ptr, ok := params.At(0).Type().(*types.Pointer)
	if !ok {
		return nil
	}
	var def ast.Expr
	for i := 1; i < params.Len(); i++ {
		if types.Identical(params.At(i).Type(), ptr.Elem()) {
			if def != nil {
				return nil // two candidates: not a flag binding
			}
			def = call.Args[i]
		}
	}
	return def
}

// gives reports whether the program may give e a non-zero value.
func (g *giver) gives(e ast.Expr) bool { return g.give(e, 0) }

func (g *giver) give(e ast.Expr, depth int) bool {
	if e == nil || depth > 12 {
		return true
	}
	info := g.info
	e = ast.Unparen(e)
	if tv, ok := info.Types[e]; ok && tv.Value != nil {
		switch tv.Value.Kind() {
		case constant.Int, constant.Float:
			return constant.Sign(tv.Value) != 0
		case constant.String:
			return constant.StringVal(tv.Value) != ""
		}
		return true
	}
	switch x := e.(type) {
	case *ast.UnaryExpr:
		if x.Op == token.SUB || x.Op == token.ADD {
			return g.give(x.X, depth+1)
		}
	case *ast.BinaryExpr:
		switch x.Op {
		case token.MUL, token.AND:
			return g.give(x.X, depth+1) && g.give(x.Y, depth+1)
		case token.QUO, token.REM, token.SHL, token.SHR:
			return g.give(x.X, depth+1)
		case token.ADD, token.SUB, token.OR, token.XOR:
			return g.give(x.X, depth+1) || g.give(x.Y, depth+1)
		}
	case *ast.CallExpr:
		if tv, ok := info.Types[x.Fun]; ok && tv.IsType() && len(x.Args) == 1 {
			return g.give(x.Args[0], depth+1) // time.Duration(n)
		}
		if parsesText(info, x) {
			// The user's text, unless the program wrote it.
			return info.Types[x.Args[0]].Value != nil && g.give(x.Args[0], depth+1)
		}
	case *ast.Ident:
		if v, ok := info.Uses[x].(*types.Var); ok {
			return g.varGives(v, depth)
		}
	case *ast.SelectorExpr:
		if v := fieldOf(info, x); v != nil {
			return g.varGives(v, depth)
		}
		if v, ok := info.Uses[x.Sel].(*types.Var); ok && v.Pkg() != nil && len(g.sources[v]) > 0 {
			return g.varGives(v, depth) // a global of this package, qualified
		}
	}
	return true
}

// varGives reports whether the program may give the variable or field v
// a non-zero value.
func (g *giver) varGives(v *types.Var, depth int) bool {
	switch {
	case v.IsField():
		if inStd(g.fset, v) || g.imported[fieldKey(g.fset, v)] {
			return true // the standard library's, or set by another package
		}
	case v.Pkg() != g.pkg:
		return true // another package's global: its values are not in view
	case v.Parent() == g.pkg.Scope():
		if v.Exported() && !g.main {
			return true // an importer may set it
		}
	default:
		slot, ok := g.params[v]
		if !ok {
			break // a local: its sources decide
		}
		fn, sig := slot.fn, slot.fn.Signature()
		if sig.Recv() != nil || g.escaped[fn] || fn.Exported() && !g.main || sig.Variadic() && slot.i == sig.Params().Len()-1 {
			return true // callers this cannot see
		}
		return g.memoized(v, func() bool {
			for _, call := range g.calls[fn] {
				if slot.i >= len(call.Args) || g.give(call.Args[slot.i], depth+1) {
					return true
				}
			}
			return false
		})
	}
	return g.memoized(v, func() bool {
		for _, src := range g.sources[v] {
			if g.give(src, depth+1) {
				return true
			}
		}
		return false
	})
}

// memoized evaluates f once per variable; a variable met again while its
// value is being decided gives nothing more (a cycle adds no source).
func (g *giver) memoized(v *types.Var, f func() bool) bool {
	switch g.memo[v] {
	case 1, 3:
		return false
	case 2:
		return true
	}
	g.memo[v] = 1
	r := f()
	if r {
		g.memo[v] = 2
	} else {
		g.memo[v] = 3
	}
	return r
}

// parsesText reports whether call parses a number from text:
// time.ParseDuration, strconv's Atoi and Parse functions.
func parsesText(info *types.Info, call *ast.CallExpr) bool {
	if len(call.Args) == 0 {
		return false
	}
	return httpsym.CalleeIs(info, call, "time", "ParseDuration") ||
		httpsym.CalleeIs(info, call, "strconv", "Atoi", "ParseInt", "ParseUint", "ParseFloat")
}
