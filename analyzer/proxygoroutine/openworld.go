package proxygoroutine

import (
	"go/ast"
	"go/types"
	"strings"

	"golang.org/x/tools/go/ast/inspector"
)

// givenHandler returns the handler that the goroutine (direct, or lit)
// serves when users of a library hand it in: a handler parameter of an
// exported function, or a handler field of the library's exported type
// that is exported or set from such a parameter (NewHandler(cache,
// upstream) keeping upstream). Whatever they pass may be a ReverseProxy,
// so the library cannot start it on a goroutine nobody recovers. A
// program's packages (main, internal/) are judged where the handler is
// known, through Spawns facts.
func (c *checker) givenHandler(cur inspector.Cursor, direct *ast.CallExpr, lit *ast.FuncLit) ast.Expr {
	if !c.library() {
		return nil
	}
	var found ast.Expr
	c.servedHandlers(direct, lit, func(h ast.Expr) {
		if found == nil && types.IsInterface(c.info.TypeOf(h)) && c.fromUsers(cur, h) {
			found = h
		}
	})
	return found
}

// library reports whether the package is one other modules can import:
// not main, not under internal/.
func (c *checker) library() bool {
	if c.pass.Pkg.Name() == "main" || strings.HasSuffix(c.pass.Pkg.Path(), ".test") {
		return false
	}
	for _, elem := range strings.Split(c.pass.Pkg.Path(), "/") {
		if elem == "internal" || elem == "testdata" {
			return false
		}
	}
	return true
}

// fromUsers reports whether the handler expression h, used in the
// function enclosing cur, holds what callers of the library's exported
// API pass.
func (c *checker) fromUsers(cur inspector.Cursor, h ast.Expr) bool {
	switch h := ast.Unparen(h).(type) {
	case *ast.Ident:
		v, ok := c.info.Uses[h].(*types.Var)
		return ok && c.exportedParam(v)
	case *ast.SelectorExpr:
		s := c.info.Selections[h]
		if s == nil || s.Kind() != types.FieldVal {
			return false
		}
		field := s.Obj().(*types.Var)
		if !exportedType(s.Recv()) {
			return false
		}
		if field.Exported() {
			return true // users set it themselves
		}
		return c.setFromParam(field)
	}
	return false
}

// exportedType reports whether t (or what it points to) is an exported
// named type.
func exportedType(t types.Type) bool {
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	n, ok := types.Unalias(t).(*types.Named)
	return ok && n.Obj().Exported()
}

// exportedParam reports whether v is a parameter of an exported function
// or of an exported method of an exported type.
func (c *checker) exportedParam(v *types.Var) bool {
	for fn := range c.decls {
		if !fn.Exported() {
			continue
		}
		if recv := fn.Signature().Recv(); recv != nil && !exportedType(recv.Type()) {
			continue
		}
		params := fn.Signature().Params()
		for i := range params.Len() {
			if params.At(i) == v {
				return true
			}
		}
	}
	return false
}

// setFromParam reports whether some composite literal or assignment of
// the package stores a parameter of its exported API in field.
func (c *checker) setFromParam(field *types.Var) bool {
	if c.fieldSources == nil {
		c.fieldSources = make(map[*types.Var][]ast.Expr)
		for _, f := range c.pass.Files {
			ast.Inspect(f, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.KeyValueExpr:
					if id, ok := n.Key.(*ast.Ident); ok {
						if v, ok := c.info.Uses[id].(*types.Var); ok && v.IsField() {
							c.fieldSources[v] = append(c.fieldSources[v], n.Value)
						}
					}
				case *ast.AssignStmt:
					if len(n.Lhs) == len(n.Rhs) {
						for i, l := range n.Lhs {
							if sel, ok := ast.Unparen(l).(*ast.SelectorExpr); ok {
								if s := c.info.Selections[sel]; s != nil && s.Kind() == types.FieldVal {
									v := s.Obj().(*types.Var)
									c.fieldSources[v] = append(c.fieldSources[v], n.Rhs[i])
								}
							}
						}
					}
				}
				return true
			})
		}
	}
	for _, e := range c.fieldSources[field] {
		if id, ok := ast.Unparen(e).(*ast.Ident); ok {
			if v, ok := c.info.Uses[id].(*types.Var); ok && c.exportedParam(v) {
				return true
			}
		}
	}
	return false
}
