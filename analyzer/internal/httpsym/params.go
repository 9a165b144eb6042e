package httpsym

import (
	"go/ast"
	"go/token"
	"go/types"

	"golang.org/x/tools/go/ast/inspector"
	"golang.org/x/tools/go/types/typeutil"
)

// ParamOf reports which function declares the parameter that e names, as
// seen from c, the cursor of a node inside that function: the function's
// object (the *types.Func of a declaration, or the *types.Var a function
// literal is assigned to), the parameter's index, and the function's
// syntax. It returns nil when e is not a parameter of an enclosing function
// whose callers can be found.
func ParamOf(info *types.Info, c inspector.Cursor, e ast.Expr) (types.Object, int, ast.Node) {
	id, ok := ast.Unparen(e).(*ast.Ident)
	if !ok {
		return nil, -1, nil
	}
	param, ok := info.Uses[id].(*types.Var)
	if !ok {
		return nil, -1, nil
	}
	for fc := range c.Enclosing((*ast.FuncDecl)(nil), (*ast.FuncLit)(nil)) {
		var ftype *ast.FuncType
		switch n := fc.Node().(type) {
		case *ast.FuncDecl:
			ftype = n.Type
		case *ast.FuncLit:
			ftype = n.Type
		}
		i := paramIndex(info, ftype, param)
		if i < 0 {
			continue
		}
		switch n := fc.Node().(type) {
		case *ast.FuncDecl:
			return info.Defs[n.Name], i, n // a function or a method, called statically
		case *ast.FuncLit:
			if v := assignedTo(info, fc); v != nil {
				return v, i, n
			}
		}
		return nil, -1, nil
	}
	return nil, -1, nil
}

func paramIndex(info *types.Info, ftype *ast.FuncType, param *types.Var) int {
	i := 0
	for _, field := range ftype.Params.List {
		if len(field.Names) == 0 {
			i++
			continue
		}
		for _, name := range field.Names {
			if info.Defs[name] == param {
				return i
			}
			i++
		}
	}
	return -1
}

// assignedTo returns the local variable a function literal is stored in by
// f := func(...) or var f = func(...), when that is its only assignment.
func assignedTo(info *types.Info, lit inspector.Cursor) *types.Var {
	var name *ast.Ident
	switch p := lit.Parent().Node().(type) {
	case *ast.AssignStmt:
		if p.Tok == token.DEFINE && len(p.Lhs) == 1 && len(p.Rhs) == 1 {
			name, _ = p.Lhs[0].(*ast.Ident)
		}
	case *ast.ValueSpec:
		if len(p.Names) == 1 && len(p.Values) == 1 {
			name = p.Names[0]
		}
	}
	if name == nil {
		return nil
	}
	v, _ := info.Defs[name].(*types.Var)
	return v
}

// CallsTo returns the calls in the package that invoke fn, a function or a
// variable holding one.
func CallsTo(insp *inspector.Inspector, info *types.Info, fn types.Object) []inspector.Cursor {
	var calls []inspector.Cursor
	for c := range insp.Root().Preorder((*ast.CallExpr)(nil)) {
		if typeutil.Callee(info, c.Node().(*ast.CallExpr)) == fn {
			calls = append(calls, c)
		}
	}
	return calls
}
