package httpsym

import (
	"go/ast"
	"go/types"
)

// IsBuiltin reports whether call invokes the predeclared function name
// (recover, panic, close), not a local function that shadows it.
func IsBuiltin(info *types.Info, call *ast.CallExpr, name string) bool {
	id, ok := ast.Unparen(call.Fun).(*ast.Ident)
	if !ok {
		return false
	}
	b, ok := info.Uses[id].(*types.Builtin)
	return ok && b == types.Universe.Lookup(name)
}

// IsPkgVar reports whether e names the package-level variable pkg.name,
// such as http.ErrAbortHandler.
func IsPkgVar(info *types.Info, e ast.Expr, pkg, name string) bool {
	var id *ast.Ident
	switch e := ast.Unparen(e).(type) {
	case *ast.Ident:
		id = e
	case *ast.SelectorExpr:
		id = e.Sel
	default:
		return false
	}
	v, ok := info.Uses[id].(*types.Var)
	return ok && !v.IsField() && v.Pkg() != nil && v.Pkg().Path() == pkg && v.Name() == name &&
		v.Parent() == v.Pkg().Scope()
}

// IsErrAbortHandler reports whether e names http.ErrAbortHandler.
func IsErrAbortHandler(info *types.Info, e ast.Expr) bool {
	return IsPkgVar(info, e, "net/http", "ErrAbortHandler")
}
