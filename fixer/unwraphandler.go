package fixer

import (
	"go/ast"
	"go/token"
	"go/types"
	"slices"
	"sort"
	"strings"

	"golang.org/x/tools/go/analysis"
)

// Unwrap is one handler to serve without its wrapper: Site, a call such
// as http.TimeoutHandler(h, d, msg), is replaced by Inner, one of its
// arguments, converted to Conv (for example "http.Handler") when Conv is
// set, because the site's variable needs the wrapper's type.
type Unwrap struct {
	Site    *ast.CallExpr
	Inner   ast.Expr
	Conv    string
	Message string
	// Stmt, when set, is the statement h = wrapper(h, ...) holding Site;
	// the fix deletes it rather than leave a self-assignment.
	Stmt ast.Stmt
}

// UnwrapHandlers returns one fix per element of list, all in file f. The
// arguments dropped with each wrapper may leave imports and local
// variables unused; the fixes delete them, computed over the whole list
// so that applying every fix, as go vet -fix and golangci-lint --fix do,
// leaves code that compiles. Each deletion belongs to the last fix whose
// site used the deleted name, so that applying any fixes but that one
// also compiles. A fix is nil when it would have to delete a declaration
// with effects (a call), or one it cannot find; the others are then
// planned again without it.
func UnwrapHandlers(f *File, list []Unwrap) []*analysis.SuggestedFix {
	active := make([]bool, len(list))
	for i := range active {
		active[i] = true
	}
	for {
		fixes, failed := f.unwrap(list, active)
		if len(failed) == 0 {
			return fixes
		}
		// Drop the fixes that cannot be made and plan the others again:
		// the sites they leave in place keep their names in use.
		for _, i := range failed {
			active[i] = false
		}
	}
}

func (f *File) unwrap(list []Unwrap, active []bool) ([]*analysis.SuggestedFix, []int) {
	type span struct {
		pos, end token.Pos
		owners   []int
	}
	var spans []span
	edits := make([][]analysis.TextEdit, len(list))
	for i, u := range list {
		if !active[i] {
			continue
		}
		if u.Stmt != nil {
			pos, end := f.lineRange(u.Stmt.Pos(), u.Stmt.End())
			edits[i] = append(edits[i], analysis.TextEdit{Pos: pos, End: end})
			spans = append(spans, span{u.Stmt.Pos(), u.Stmt.End(), []int{i}})
			continue
		}
		text := f.text(u.Inner)
		if u.Conv != "" {
			text = u.Conv + "(" + text + ")"
		}
		edits[i] = append(edits[i], analysis.TextEdit{Pos: u.Site.Pos(), End: u.Site.End(), NewText: []byte(text)})
		spans = append(spans, span{u.Site.Pos(), u.Inner.Pos(), []int{i}}, span{u.Inner.End(), u.Site.End(), []int{i}})
	}
	inFile := func(pos token.Pos) bool { return f.Syntax.FileStart <= pos && pos <= f.Syntax.FileEnd }
	ids := make([]*ast.Ident, 0)
	for id, obj := range f.Info.Uses {
		if inFile(id.Pos()) && obj != nil {
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i].Pos() < ids[j].Pos() })
	owners := func(pos token.Pos) ([]int, bool) {
		var o []int
		in := false
		for _, s := range spans {
			if s.pos <= pos && pos < s.end {
				in = true
				for _, i := range s.owners {
					if !slices.Contains(o, i) {
						o = append(o, i)
					}
				}
			}
		}
		return o, in
	}
	done := make(map[types.Object]bool)
	for changed := true; changed; {
		changed = false
		// Who drops each name, and whether anything else still uses it.
		dropped := make(map[types.Object][]int)
		kept := make(map[types.Object]bool)
		var order []types.Object
		for _, id := range ids {
			obj := f.Info.Uses[id]
			o, in := owners(id.Pos())
			if !in {
				kept[obj] = true
				continue
			}
			if _, seen := dropped[obj]; !seen {
				order = append(order, obj)
			}
			for _, i := range o {
				if !slices.Contains(dropped[obj], i) {
					dropped[obj] = append(dropped[obj], i)
				}
			}
		}
		for _, obj := range order {
			if kept[obj] || done[obj] {
				continue
			}
			// The deletion belongs to the last fix that drops the name:
			// applied alone, the others leave a use behind; applied after
			// them, or all together, it leaves none.
			last := slices.Max(dropped[obj])
			var del []analysis.TextEdit
			switch obj := obj.(type) {
			case *types.PkgName:
				if usedByConv(list, active, obj.Name()) {
					continue // the fix's own conversion names the package
				}
				for _, imp := range f.Syntax.Imports {
					if f.Info.PkgNameOf(imp) == obj {
						del = f.DeleteImport(imp)
					}
				}
			case *types.Var:
				if obj.IsField() || obj.Parent() == nil || obj.Pkg() == nil || obj.Parent() == obj.Pkg().Scope() {
					continue // fields and package-level variables may stay unused
				}
				stmt, isParam := f.declOf(obj)
				if isParam {
					continue // an unused parameter compiles
				}
				if stmt == nil {
					return nil, []int{last} // a declaration with effects, or not found
				}
				pos, end := f.lineRange(stmt.Pos(), stmt.End())
				del = []analysis.TextEdit{{Pos: pos, End: end}}
				spans = append(spans, span{stmt.Pos(), stmt.End(), []int{last}})
			default:
				continue // unused constants, types and functions compile
			}
			done[obj] = true
			changed = true
			edits[last] = append(edits[last], del...)
		}
	}
	fixes := make([]*analysis.SuggestedFix, len(list))
	for i, u := range list {
		if !active[i] {
			continue
		}
		sort.Slice(edits[i], func(a, b int) bool { return edits[i][a].Pos < edits[i][b].Pos })
		fixes[i] = &analysis.SuggestedFix{Message: u.Message, TextEdits: edits[i]}
	}
	return fixes, nil
}

// declOf finds the statement that declares the local variable v alone and
// without effects (v := value or var v = value), or reports that v is a
// parameter. It returns nil, false for anything else.
func (f *File) declOf(v *types.Var) (ast.Stmt, bool) {
	var stmt ast.Stmt
	isParam := false
	ast.Inspect(f.Syntax, func(n ast.Node) bool {
		if stmt != nil || isParam || n == nil || n.Pos() > v.Pos() || n.End() <= v.Pos() {
			return false
		}
		switch n := n.(type) {
		case *ast.FuncDecl:
			if n.Recv != nil && n.Recv.Pos() <= v.Pos() && v.Pos() < n.Recv.End() {
				isParam = true // a receiver
			}
		case *ast.FuncType:
			for _, list := range []*ast.FieldList{n.Params, n.Results} {
				if list != nil && list.Pos() <= v.Pos() && v.Pos() < list.End() {
					isParam = true // a parameter or a named result
				}
			}
		case *ast.AssignStmt:
			if n.Tok == token.DEFINE && len(n.Lhs) == 1 && len(n.Rhs) == 1 && f.defines(n.Lhs[0], v) {
				if f.pure(n.Rhs[0]) {
					stmt = n
				}
				return false
			}
		case *ast.DeclStmt:
			gd, ok := n.Decl.(*ast.GenDecl)
			if ok && gd.Tok == token.VAR && len(gd.Specs) == 1 {
				vs := gd.Specs[0].(*ast.ValueSpec)
				if len(vs.Names) == 1 && f.defines(vs.Names[0], v) {
					if len(vs.Values) == 0 || f.pure(vs.Values[0]) {
						stmt = n
					}
					return false
				}
			}
		}
		return true
	})
	return stmt, isParam
}

func (f *File) defines(e ast.Expr, v *types.Var) bool {
	id, ok := e.(*ast.Ident)
	return ok && f.Info.Defs[id] == v
}

// pure reports whether evaluating e has no effect that deleting it would
// lose: no calls other than conversions, no receives.
func (f *File) pure(e ast.Expr) bool {
	ok := true
	ast.Inspect(e, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false // defining a function does nothing
		case *ast.CallExpr:
			if tv, isType := f.Info.Types[n.Fun]; !isType || !tv.IsType() {
				ok = false
			}
		case *ast.UnaryExpr:
			if n.Op == token.ARROW {
				ok = false
			}
		}
		return ok
	})
	return ok
}

// usedByConv reports whether an active unwrap converts with package name.
func usedByConv(list []Unwrap, active []bool, name string) bool {
	for i, u := range list {
		if active[i] && strings.HasPrefix(u.Conv, name+".") {
			return true
		}
	}
	return false
}
