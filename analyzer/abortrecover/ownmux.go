package abortrecover

import (
	"go/ast"
	"go/token"
	"go/types"

	"golang.org/x/tools/go/ast/edge"
	"golang.org/x/tools/go/ast/inspector"
	"golang.org/x/tools/go/types/typeutil"

	"github.com/streamvet/streamvet/analyzer/internal/httpsym"
)

// ownMuxAborts judges mux.ServeHTTP(w, r) where mux is a *http.ServeMux
// that only this package can fill: a local variable or an unexported
// field, assigned nothing but a new mux, and used only to register
// handlers and to serve. Every handler it can run is then in view, and
// the call may abort only if one of them may. known is false for any
// other mux: it may run whatever someone registered on it.
func (c *checker) ownMuxAborts(call *ast.CallExpr) (may, known bool) {
	sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	if !ok {
		return false, false
	}
	v := c.varOf(sel.X)
	if v == nil || v.Exported() || v.Pkg() != c.pass.Pkg || !httpsym.IsNamed(v.Type(), "net/http", "ServeMux") {
		return false, false
	}
	if _, isPtr := v.Type().(*types.Pointer); !isPtr {
		return false, false
	}
	if !v.IsField() {
		// A local, declared with a new mux (its other assignments are
		// judged as uses below); a package-level mux is not followed.
		if ctor := c.definingCall(v); ctor == nil || !c.newMux(ctor) {
			return false, false
		}
	}
	for _, k := range c.refsOf(v) {
		if k.ParentEdgeKind() == edge.SelectorExpr_Sel {
			k = k.Parent() // x.mux
		}
		switch k.ParentEdgeKind() {
		case edge.SelectorExpr_X: // mux.Method
			m, ok := k.Parent().Parent().Node().(*ast.CallExpr)
			if !ok || k.Parent().ParentEdgeKind() != edge.CallExpr_Fun {
				return false, false // a method value: called where this package cannot see
			}
			switch k.Parent().Node().(*ast.SelectorExpr).Sel.Name {
			case "ServeHTTP", "Handler":
			case "HandleFunc":
				if len(m.Args) == 2 && c.argAborts(m.Args[1]) {
					return true, true
				}
			case "Handle":
				if len(m.Args) == 2 && c.handlerAborts(m.Args[1]) {
					return true, true
				}
			default:
				return false, false
			}
		case edge.KeyValueExpr_Key: // T{mux: ...}
			if !c.newMux(k.Parent().Node().(*ast.KeyValueExpr).Value) {
				return false, false
			}
		case edge.AssignStmt_Lhs:
			as := k.Parent().Node().(*ast.AssignStmt)
			if len(as.Lhs) != len(as.Rhs) {
				return false, false
			}
			for i, l := range as.Lhs {
				if ast.Unparen(l) == k.Node() && !c.newMux(as.Rhs[i]) {
					return false, false
				}
			}
		default:
			return false, false // passed, returned or stored: others may register on it
		}
	}
	return false, true
}

// varOf returns the variable or field e names, or nil.
func (c *checker) varOf(e ast.Expr) *types.Var {
	switch e := ast.Unparen(e).(type) {
	case *ast.Ident:
		v, _ := c.info.Uses[e].(*types.Var)
		return v
	case *ast.SelectorExpr:
		if s := c.info.Selections[e]; s != nil && s.Kind() == types.FieldVal {
			v, _ := s.Obj().(*types.Var)
			return v
		}
	}
	return nil
}

// newMux reports whether e makes a new, empty ServeMux.
func (c *checker) newMux(e ast.Expr) bool {
	switch e := ast.Unparen(e).(type) {
	case *ast.CallExpr:
		fn, _ := typeutil.Callee(c.info, e).(*types.Func)
		return fn != nil && fn.Pkg() != nil && fn.Pkg().Path() == "net/http" && fn.Name() == "NewServeMux"
	case *ast.UnaryExpr:
		lit, ok := ast.Unparen(e.X).(*ast.CompositeLit)
		return ok && e.Op == token.AND && len(lit.Elts) == 0 && httpsym.IsNamed(c.info.TypeOf(lit), "net/http", "ServeMux")
	}
	return false
}

// handlerAborts reports whether serving the handler value e can panic
// with http.ErrAbortHandler: by its ServeHTTP method, or by the function
// an http.HandlerFunc conversion wraps. A handler of interface type may
// be anything.
func (c *checker) handlerAborts(e ast.Expr) bool {
	e = ast.Unparen(e)
	if conv, ok := e.(*ast.CallExpr); ok && len(conv.Args) == 1 {
		if tv, ok := c.info.Types[conv.Fun]; ok && tv.IsType() {
			return c.argAborts(conv.Args[0])
		}
	}
	t := c.info.TypeOf(e)
	if t == nil || types.IsInterface(t) {
		return true
	}
	obj, _, _ := types.LookupFieldOrMethod(t, true, nil, "ServeHTTP")
	fn, ok := obj.(*types.Func)
	if !ok {
		return true
	}
	may, _ := c.funcAborts(fn)
	return may
}

// refsOf returns the uses of obj in this package.
func (c *checker) refsOf(obj types.Object) []inspector.Cursor {
	if c.refs == nil {
		c.refs = make(map[types.Object][]inspector.Cursor)
		for k := range c.insp.Root().Preorder((*ast.Ident)(nil)) {
			if o := c.info.Uses[k.Node().(*ast.Ident)]; o != nil {
				c.refs[o] = append(c.refs[o], k)
			}
		}
	}
	return c.refs[obj]
}
