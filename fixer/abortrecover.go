package fixer

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"strconv"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ast/edge"
	"golang.org/x/tools/go/ast/inspector"
)

// RePanicAbort returns the fix that re-panics http.ErrAbortHandler right
// after the recover() call at cur:
//
//	if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
//		panic(v)
//	}
//
// where v is the recovered value; the call is bound to a fresh variable
// first when the code did not bind it (`if recover() != nil` becomes
// `if v := recover(); v != nil`). It imports errors and net/http when
// needed. It reports false when no edit is certain to compile and keep
// the order of evaluation.
func RePanicAbort(f *File, cur inspector.Cursor) (analysis.SuggestedFix, bool) {
	call, ok := cur.Node().(*ast.CallExpr)
	if !ok {
		return analysis.SuggestedFix{}, false
	}
	var fn ast.Node
	var ftype *ast.FuncType
	for p := range cur.Parent().Enclosing((*ast.FuncLit)(nil), (*ast.FuncDecl)(nil)) {
		fn = p.Node()
		switch n := fn.(type) {
		case *ast.FuncLit:
			ftype = n.Type
		case *ast.FuncDecl:
			ftype = n.Type
		}
		break
	}
	if fn == nil || f.Info.Scopes[ftype] == nil {
		return analysis.SuggestedFix{}, false
	}
	scope := f.Info.Scopes[ftype].Innermost(call.Pos())
	if scope == nil {
		return analysis.SuggestedFix{}, false
	}
	names, importEdits, ok := f.EnsureImports("errors", "net/http")
	if !ok {
		return analysis.SuggestedFix{}, false
	}
	// The qualifiers must denote the packages where the code goes.
	for _, p := range []string{"errors", "net/http"} {
		_, found := scope.LookupParent(names[p], call.Pos())
		switch obj := found.(type) {
		case nil:
		case *types.PkgName:
			if obj.Imported().Path() != p {
				return analysis.SuggestedFix{}, false
			}
		default:
			return analysis.SuggestedFix{}, false // shadowed by a local name
		}
	}
	used := make(map[string]bool)
	ast.Inspect(fn, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok {
			used[id.Name] = true
		}
		return true
	})
	fresh := func(cands ...string) string {
		for i := 0; ; i++ {
			for _, c := range cands {
				name := c
				if i > 0 {
					name += strconv.Itoa(i + 1)
				}
				if !used[name] && !declared(scope, name) && name != names["errors"] && name != names["net/http"] {
					used[name] = true
					return name
				}
			}
		}
	}
	errName, okName := fresh("err", "abortErr"), fresh("ok", "isErr")
	block := func(v, ind string) string {
		return fmt.Sprintf("if %s, %s := %s.(error); %s && %s.Is(%s, %s.ErrAbortHandler) {\n%s\tpanic(%s)\n%s}",
			errName, okName, v, okName, names["errors"], errName, names["net/http"], ind, v, ind)
	}
	var edits []analysis.TextEdit
	parent := cur.Parent()
	switch p := parent.Node().(type) {
	case *ast.AssignStmt:
		if len(p.Lhs) != 1 || len(p.Rhs) != 1 || p.Rhs[0] != call {
			break
		}
		id, isID := p.Lhs[0].(*ast.Ident)
		if !isID {
			break
		}
		if id.Name == "_" {
			if !inList(parent) {
				return analysis.SuggestedFix{}, false
			}
			v := fresh("v", "rec")
			ind := f.lineIndent(p.Pos())
			edits = append(edits, analysis.TextEdit{Pos: p.Pos(), End: p.End(), NewText: []byte(v + " := " + f.text(call))},
				f.insertLine(p.End(), ind, block(v, ind)))
			break
		}
		if ifs, ok := parent.Parent().Node().(*ast.IfStmt); ok && ifs.Init == p {
			if isNotNil(f.Info, ifs.Cond, id) {
				ind := f.lineIndent(ifs.Pos()) + "\t"
				edits = append(edits, f.insertLine(ifs.Body.Lbrace+1, ind, block(id.Name, ind)))
				break
			}
			// The body may not run for an abort: bind the value before the
			// if statement, where its name is not used.
			if !inList(parent.Parent()) || usedOutside(fn, ifs, id.Name) {
				return analysis.SuggestedFix{}, false
			}
			ind := f.lineIndent(ifs.Pos())
			text := f.text(p) + "\n" + ind + block(id.Name, ind) + "\n" + ind + "if " + f.text(ifs.Cond) + " {"
			edits = append(edits, analysis.TextEdit{Pos: ifs.Pos(), End: ifs.Body.Lbrace + 1, NewText: []byte(text)})
			break
		}
		if !inList(parent) {
			return analysis.SuggestedFix{}, false
		}
		ind := f.lineIndent(p.Pos())
		edits = append(edits, f.insertLine(p.End(), ind, block(id.Name, ind)))
	case *ast.ExprStmt:
		if !inList(parent) {
			return analysis.SuggestedFix{}, false
		}
		v := fresh("v", "rec")
		ind := f.lineIndent(p.Pos())
		edits = append(edits, analysis.TextEdit{Pos: p.Pos(), End: p.End(), NewText: []byte(v + " := " + f.text(call))},
			f.insertLine(p.End(), ind, block(v, ind)))
	case *ast.BinaryExpr:
		ifs, ok := parent.Parent().Node().(*ast.IfStmt)
		if !ok || ifs.Cond != p || ifs.Init != nil || p.Op != token.NEQ || !f.Info.Types[p.X].IsNil() && !f.Info.Types[p.Y].IsNil() {
			break
		}
		v := fresh("v", "rec")
		ind := f.lineIndent(ifs.Pos()) + "\t"
		edits = append(edits,
			analysis.TextEdit{Pos: p.Pos(), End: p.End(), NewText: []byte(v + " := " + f.text(call) + "; " + f.replaced(p, call, v))},
			f.insertLine(ifs.Body.Lbrace+1, ind, block(v, ind)))
	}
	if edits == nil {
		// Hoist the call out of the statement that holds it.
		stmt, ok := hoistable(cur)
		if !ok {
			return analysis.SuggestedFix{}, false
		}
		v := fresh("v", "rec")
		ind := f.lineIndent(stmt.Pos())
		text := v + " := " + f.text(call) + "\n" + ind + block(v, ind) + "\n" + ind
		edits = append(edits, analysis.TextEdit{Pos: stmt.Pos(), End: stmt.End(), NewText: []byte(text + f.replaced(stmt, call, v))})
	}
	edits = append(importEdits, edits...)
	return analysis.SuggestedFix{Message: "re-panic http.ErrAbortHandler after recover", TextEdits: edits}, true
}

// replaced returns the text of n with the text of inner replaced by s.
func (f *File) replaced(n, inner ast.Node, s string) string {
	start, end := f.offset(n.Pos()), f.offset(inner.Pos())
	return string(f.Src[start:end]) + s + string(f.Src[f.offset(inner.End()):f.offset(n.End())])
}

// isNotNil reports whether cond is v != nil.
func isNotNil(info *types.Info, cond ast.Expr, v *ast.Ident) bool {
	switch e := ast.Unparen(cond).(type) {
	case *ast.BinaryExpr:
		if e.Op != token.NEQ {
			return false
		}
		is := func(x ast.Expr) bool {
			id, ok := ast.Unparen(x).(*ast.Ident)
			return ok && info.ObjectOf(id) == info.ObjectOf(v)
		}
		return is(e.X) && info.Types[e.Y].IsNil() || is(e.Y) && info.Types[e.X].IsNil()
	}
	return false
}

// inList reports whether the statement at c sits in a statement list.
func inList(c inspector.Cursor) bool {
	switch c.ParentEdgeKind() {
	case edge.BlockStmt_List, edge.CaseClause_Body, edge.CommClause_Body:
		return true
	}
	return false
}

// hoistable finds the statement whose evaluation starts with the call at
// cur, so that the call can move into a statement of its own just before
// it: the call is not under && or ||, not in a loop condition, and the
// statement has no init statement that runs first.
func hoistable(cur inspector.Cursor) (ast.Stmt, bool) {
	for c := cur; ; c = c.Parent() {
		p := c.Parent()
		if !p.Valid() || p.Node() == nil {
			return nil, false
		}
		k := c.ParentEdgeKind()
		switch n := p.Node().(type) {
		case *ast.FuncLit:
			return nil, false
		case *ast.BinaryExpr:
			if (n.Op == token.LAND || n.Op == token.LOR) && k == edge.BinaryExpr_Y {
				return nil, false // evaluated only sometimes
			}
			continue
		case ast.Expr, *ast.ValueSpec, *ast.GenDecl:
			continue
		}
		stmt, ok := p.Node().(ast.Stmt)
		if !ok {
			return nil, false
		}
		switch n := stmt.(type) {
		case *ast.ExprStmt, *ast.ReturnStmt, *ast.DeclStmt:
		case *ast.AssignStmt:
			if k != edge.AssignStmt_Rhs {
				return nil, false
			}
			if _, ok := p.Parent().Node().(*ast.TypeSwitchStmt); ok && p.ParentEdgeKind() == edge.TypeSwitchStmt_Assign {
				continue
			}
		case *ast.SendStmt:
			if k != edge.SendStmt_Value {
				return nil, false
			}
		case *ast.IfStmt:
			if k != edge.IfStmt_Cond || n.Init != nil {
				return nil, false
			}
		case *ast.SwitchStmt:
			if k != edge.SwitchStmt_Tag || n.Init != nil {
				return nil, false
			}
		case *ast.TypeSwitchStmt:
			if k != edge.TypeSwitchStmt_Assign || n.Init != nil {
				return nil, false
			}
		default:
			return nil, false
		}
		if !inList(p) {
			if _, ok := p.Parent().Node().(*ast.TypeSwitchStmt); ok {
				continue
			}
			return nil, false
		}
		return stmt, true
	}
}

// declared reports whether name is declared in scope or an enclosing one.
func declared(scope *types.Scope, name string) bool {
	_, obj := scope.LookupParent(name, token.NoPos)
	return obj != nil
}

// usedOutside reports whether an identifier spelled name occurs in fn
// outside the node in.
func usedOutside(fn, in ast.Node, name string) bool {
	found := false
	ast.Inspect(fn, func(n ast.Node) bool {
		if n == in {
			return false
		}
		if id, ok := n.(*ast.Ident); ok && id.Name == name {
			found = true
		}
		return !found
	})
	return found
}

// lineEnd returns the position of the end of the line holding pos, after
// any trailing comment, so that a new line inserted there keeps comments
// with the code they follow; when code follows pos on its line (a
// one-line block), it returns pos itself and true.
func (f *File) lineEnd(pos token.Pos) (token.Pos, bool) {
	off := f.offset(pos)
	n := bytes.IndexByte(f.Src[off:], '\n')
	if n < 0 {
		n = len(f.Src) - off
	}
	if rest := bytes.TrimSpace(f.Src[off : off+n]); len(rest) > 0 && !bytes.HasPrefix(rest, []byte("//")) {
		return pos, true
	}
	return pos + token.Pos(n), false
}

// insertLine inserts text as a line of its own after pos: after the rest
// of the line when only a comment follows, or right at pos, ending the
// line, when code follows on the same line.
func (f *File) insertLine(pos token.Pos, ind, text string) analysis.TextEdit {
	at, code := f.lineEnd(pos)
	text = "\n" + ind + text
	if code {
		text += "\n" + ind
	}
	return analysis.TextEdit{Pos: at, End: at, NewText: []byte(text)}
}
