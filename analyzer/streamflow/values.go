package streamflow

// Values that hold handlers without being one: the handler result of a
// call that also returns an error, containers of handlers, a field of a
// dependency's router, a struct that embeds http.Handler, and a parameter
// that a functional option stores in a field.

import (
	"go/ast"
	"go/types"
)

// handlerResult returns which of lhs receives the one handler that a
// call returning several results yields (h, err := newProxy(cfg)), or -1.
func (a *state) handlerResult(lhs, rhs []ast.Expr) int {
	if len(rhs) != 1 || len(lhs) < 2 {
		return -1
	}
	if _, ok := ast.Unparen(rhs[0]).(*ast.CallExpr); !ok {
		return -1
	}
	if tuple, ok := a.pass.TypesInfo.TypeOf(rhs[0]).(*types.Tuple); !ok || tuple.Len() != len(lhs) {
		return -1
	}
	return a.handlerIn(a.pass.TypesInfo.TypeOf(rhs[0]))
}

// handlerIn returns the index of the one handler among the results of a
// call that returns several, or -1.
func (a *state) handlerIn(t types.Type) int {
	tuple, ok := t.(*types.Tuple)
	if !ok {
		return -1
	}
	found := -1
	for i := range tuple.Len() {
		if a.handlerType(tuple.At(i).Type()) {
			if found >= 0 {
				return -1 // two handlers: which is which is not known
			}
			found = i
		}
	}
	return found
}

func identExprs(ids []*ast.Ident) []ast.Expr {
	out := make([]ast.Expr, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

// passedIn evaluates what the package's calls of a declared function pass
// to its parameter v.
func (a *state) passedIn(v *types.Var) *Stream {
	site, ok := a.paramAt[v]
	if !ok {
		return nil
	}
	if s, ok := a.argsIn[v]; ok {
		return s
	}
	key := site
	if a.busy[key] {
		return nil
	}
	a.busy[key] = true
	defer delete(a.busy, key)
	variadic := site.fn.Signature().Variadic() && site.i == site.fn.Signature().Params().Len()-1
	var s *Stream
	for _, call := range a.calls[site.fn] {
		for j, arg := range call.Args {
			if j == site.i || variadic && j > site.i && !call.Ellipsis.IsValid() {
				s = union(s, a.eval(arg, storedEnv).s.via(arg.Pos(), "passed to "+site.fn.Name()))
			}
		}
	}
	a.argsIn[v] = s
	return s
}

// indexFieldRoute records a handler stored in a field of a router from
// another package as a route of that router: r.NotFoundHandler = proxy.
func (a *state) indexFieldRoute(lhs, rhs ast.Expr) {
	sel, ok := ast.Unparen(lhs).(*ast.SelectorExpr)
	if !ok || a.pass.TypesInfo.Selections[sel] == nil || a.pass.TypesInfo.Selections[sel].Kind() != types.FieldVal {
		return
	}
	holder := a.varOf(sel.X)
	if holder == nil || !a.sym.IsHandler(holder.Type()) || !a.handlerType(typeOf(a.pass.TypesInfo, rhs)) {
		return
	}
	if n, ok := types.Unalias(derefType(holder.Type())).(*types.Named); !ok || n.Obj().Pkg() == a.pass.Pkg {
		return // the program's own types are read from their ServeHTTP
	}
	a.routes[holder] = append(a.routes[holder], rhs)
}

func derefType(t types.Type) types.Type {
	if p, ok := types.Unalias(t).(*types.Pointer); ok {
		return p.Elem()
	}
	return t
}

// elemType returns the element type of a slice, array, map or pointer to
// array, or nil.
func elemType(t types.Type) types.Type {
	switch u := t.Underlying().(type) {
	case *types.Slice:
		return u.Elem()
	case *types.Array:
		return u.Elem()
	case *types.Map:
		return u.Elem()
	case *types.Pointer:
		if arr, ok := u.Elem().Underlying().(*types.Array); ok {
			return arr.Elem()
		}
	}
	return nil
}

// embeddedHandler returns the embedded interface field of struct type t
// that its ServeHTTP method is promoted from, or nil.
func embeddedHandler(t types.Type) *types.Var {
	obj, index, _ := types.LookupFieldOrMethod(t, true, nil, "ServeHTTP")
	fn, _ := obj.(*types.Func)
	if fn == nil || len(index) < 2 {
		return nil
	}
	if _, ok := fn.Signature().Recv().Type().Underlying().(*types.Interface); !ok {
		return nil
	}
	st, ok := derefType(t).Underlying().(*types.Struct)
	if !ok || index[0] >= st.NumFields() {
		return nil
	}
	return st.Field(index[0])
}
