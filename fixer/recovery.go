package fixer

import (
	"go/ast"
	"go/types"
	"strings"

	"golang.org/x/tools/go/analysis"
)

// Chain is the shape of a framework's middleware that a recovery of its
// own can be written for: a function of one parameter (gin's
// func(*gin.Context)) whose type has a method that runs the rest of the
// chain and one that ends the response with a status code.
type Chain struct {
	Param types.Type // the parameter, *gin.Context
	Next  string     // its method that runs the rest of the chain: Next
	Abort string     // its method that writes a status and stops: AbortWithStatus
}

// ChainOf returns the shape of middleware of type t, and false when t is
// not a function of one parameter with a nullary method that returns
// nothing and runs the chain (as runsChain tells: the check knows which
// methods run handlers), and a method taking only an int, the status
// (an Abort... one first, as gin's AbortWithStatus).
func ChainOf(t types.Type, runsChain func(*types.Func) bool) (Chain, bool) {
	sig, ok := t.Underlying().(*types.Signature)
	if !ok || sig.Params().Len() != 1 || sig.Results().Len() != 0 {
		return Chain{}, false
	}
	c := Chain{Param: sig.Params().At(0).Type()}
	ms := types.NewMethodSet(c.Param)
	for m := range ms.Methods() {
		fn, ok := m.Obj().(*types.Func)
		if !ok || !fn.Exported() {
			continue
		}
		msig := fn.Signature()
		switch {
		case msig.Params().Len() == 0 && msig.Results().Len() == 0 && runsChain(fn):
			if c.Next != "" {
				return Chain{}, false // which one runs the rest is not clear
			}
			c.Next = fn.Name()
		case msig.Params().Len() == 1 && msig.Results().Len() == 0 && types.Identical(msig.Params().At(0).Type().Underlying(), types.Typ[types.Int]):
			if c.Abort == "" || strings.HasPrefix(fn.Name(), "Abort") && !strings.HasPrefix(c.Abort, "Abort") {
				c.Abort = fn.Name()
			}
		}
	}
	return c, c.Next != "" && c.Abort != ""
}

// recoveryLiteral returns a middleware literal of the chain's shape that
// recovers panics, re-panics http.ErrAbortHandler, logs the others with
// their stack and answers 500, indented for a line that starts with ind;
// with the edits that import what it uses.
func (f *File) recoveryLiteral(c Chain, ind string) (string, []analysis.TextEdit, bool) {
	names, edits, ok := f.EnsureImports("errors", "log", "net/http", "runtime/debug")
	if !ok {
		return "", nil, false
	}
	paramPkg := ""
	if named, ok := types.Unalias(deref(c.Param)).(*types.Named); ok && named.Obj().Pkg() != nil {
		paramPkg = named.Obj().Pkg().Path()
	}
	qualifier := func(p *types.Package) string {
		for _, imp := range f.Syntax.Imports {
			if pn := f.Info.PkgNameOf(imp); pn != nil && pn.Imported() == p {
				return pn.Name()
			}
		}
		return p.Name()
	}
	if paramPkg != "" {
		found := false
		for _, imp := range f.Syntax.Imports {
			if pn := f.Info.PkgNameOf(imp); pn != nil && pn.Imported().Path() == paramPkg {
				found = true
			}
		}
		if !found {
			return "", nil, false // the file does not import the framework under a name
		}
	}
	lines := []string{
		"func(c " + types.TypeString(c.Param, qualifier) + ") {",
		"\tdefer func() {",
		"\t\tif v := recover(); v != nil {",
		"\t\t\tif err, ok := v.(error); ok && " + names["errors"] + ".Is(err, " + names["net/http"] + ".ErrAbortHandler) {",
		"\t\t\t\tpanic(v) // net/http aborts the response: the client sees an error, not a short body",
		"\t\t\t}",
		"\t\t\t" + names["log"] + `.Printf("panic: %v\n%s", v, ` + names["runtime/debug"] + ".Stack())",
		"\t\t\tc." + c.Abort + "(" + names["net/http"] + ".StatusInternalServerError)",
		"\t\t}",
		"\t}()",
		"\tc." + c.Next + "()",
		"}",
	}
	return strings.Join(lines, "\n"+ind), edits, true
}

func deref(t types.Type) types.Type {
	if p, ok := t.(*types.Pointer); ok {
		return p.Elem()
	}
	return t
}

// ReplaceRecoveryMiddleware returns the fix that installs, in place of the
// recovery middleware arg (gin.Recovery()), middleware of the same chain
// that re-panics http.ErrAbortHandler.
func ReplaceRecoveryMiddleware(f *File, arg ast.Expr, c Chain) (analysis.SuggestedFix, bool) {
	lit, edits, ok := f.recoveryLiteral(c, f.lineIndent(arg.Pos()))
	if !ok {
		return analysis.SuggestedFix{}, false
	}
	edits = append(edits, analysis.TextEdit{Pos: arg.Pos(), End: arg.End(), NewText: []byte(lit)})
	return analysis.SuggestedFix{Message: "install recovery that re-panics http.ErrAbortHandler", TextEdits: edits}, true
}

// ReplaceRecoveringRouter returns the fix for r := pkg.Default(args),
// a call that builds a router with recovery installed: the router is
// built by plain (pkg.New, with the same signature) instead, and the
// statement is followed by r.Use(the other middleware the call installed,
// recovery that re-panics http.ErrAbortHandler).
func ReplaceRecoveringRouter(f *File, call *ast.CallExpr, stmt ast.Stmt, router ast.Expr, plain string, keep []string, c Chain) (analysis.SuggestedFix, bool) {
	sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	if !ok {
		return analysis.SuggestedFix{}, false
	}
	qual := ""
	if id, ok := sel.X.(*ast.Ident); ok {
		if _, isPkg := f.Info.Uses[id].(*types.PkgName); isPkg {
			qual = id.Name + "."
		}
	}
	if qual == "" {
		return analysis.SuggestedFix{}, false // a method, not a package's builder
	}
	ind := f.lineIndent(stmt.Pos())
	lit, edits, ok := f.recoveryLiteral(c, ind)
	if !ok {
		return analysis.SuggestedFix{}, false
	}
	var args []string
	for _, k := range keep {
		args = append(args, qual+k+"()")
	}
	args = append(args, lit)
	use := f.text(router) + ".Use(" + strings.Join(args, ", ") + ")"
	edits = append(edits,
		analysis.TextEdit{Pos: sel.Sel.Pos(), End: sel.Sel.End(), NewText: []byte(plain)},
		f.insertLine(stmt.End(), ind, use))
	return analysis.SuggestedFix{Message: "build the router with " + qual + plain + " and install recovery that re-panics http.ErrAbortHandler", TextEdits: edits}, true
}
