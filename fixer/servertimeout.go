// Package fixer builds the suggested fixes of the streamvet checks.
//
// Every function here is pure: syntax, type information and source text
// in, analysis.SuggestedFix out. The first fix a check offers uses the
// standard library only and leaves code that compiles, so that
// `go vet -fix` and `golangci-lint --fix` can apply it blindly.
package fixer

import (
	"bytes"
	"go/ast"
	"go/token"
	"go/types"
	"strings"

	"golang.org/x/tools/go/analysis"
)

// File is what a fix needs to know about the file it edits.
type File struct {
	Fset   *token.FileSet
	Syntax *ast.File
	Info   *types.Info
	Src    []byte // the file's content, as pass.ReadFile returns it
}

// Open returns the file of pass that holds pos, with its source, or nil
// when there is none or its source cannot be read (then no fix is offered).
func Open(pass *analysis.Pass, pos token.Pos) *File {
	for _, f := range pass.Files {
		if f.FileStart <= pos && pos <= f.FileEnd {
			src, err := pass.ReadFile(pass.Fset.File(f.Pos()).Name())
			if err != nil {
				return nil
			}
			return &File{Fset: pass.Fset, Syntax: f, Info: pass.TypesInfo, Src: src}
		}
	}
	return nil
}

func (f *File) offset(pos token.Pos) int { return f.Fset.Position(pos).Offset }

func (f *File) text(n ast.Node) string {
	return string(f.Src[f.offset(n.Pos()):f.offset(n.End())])
}

// indent returns the leading white space of the line holding pos, and
// whether pos is the first non-blank thing on that line.
func (f *File) indent(pos token.Pos) (string, bool) {
	off := f.offset(pos)
	start := bytes.LastIndexByte(f.Src[:off], '\n') + 1
	lead := f.Src[start:off]
	if len(bytes.TrimLeft(lead, " \t")) != 0 {
		return "", false
	}
	return string(lead), true
}

// lineRange widens [pos, end) to whole lines when nothing else shares them,
// taking a trailing comma along, so a deleted element leaves no blank line.
func (f *File) lineRange(pos, end token.Pos) (token.Pos, token.Pos) {
	off, endOff := f.offset(pos), f.offset(end)
	rest := f.Src[endOff:]
	if r := bytes.TrimLeft(rest, " \t"); len(r) > 0 && r[0] == ',' {
		endOff += len(rest) - len(r) + 1
		rest = f.Src[endOff:]
	}
	_, own := f.indent(pos)
	nl := bytes.IndexByte(rest, '\n')
	if !own || nl < 0 || len(bytes.TrimSpace(rest[:nl])) != 0 && !bytes.HasPrefix(bytes.TrimSpace(rest[:nl]), []byte("//")) {
		return pos, pos + token.Pos(endOff-off)
	}
	start := bytes.LastIndexByte(f.Src[:off], '\n') + 1
	return pos - token.Pos(off-start), pos + token.Pos(endOff+nl+1-off)
}

// Setting is one field of an http.Server: a key in a composite literal,
// or an assignment statement srv.Field = value.
type Setting struct {
	Name  string
	Node  ast.Node // *ast.KeyValueExpr or *ast.AssignStmt
	Value ast.Expr
}

// Replacement is a server field a fix adds in place of a removed timeout,
// with a comment saying why.
type Replacement struct {
	Name string
	Why  string
}

// Safer settings, with why each replaces an absolute timeout.
var (
	ReadHeaderTimeout = Replacement{"ReadHeaderTimeout", "ReadHeaderTimeout bounds slow clients without cutting streamed request bodies."}
	IdleTimeout       = Replacement{"IdleTimeout", "IdleTimeout closes idle keep-alive connections without cutting streamed responses."}
)

// ReplaceServerTimeout returns the fix that removes the absolute timeout s
// from a server and puts the replacements in its place, reusing its value.
//
// Only a constant is reused: a value from configuration (a flag documented
// as "response write timeout", an environment variable) would silently
// change meaning as an IdleTimeout. Such a setting is removed with a
// one-line comment that says why, and the server's other timeouts stay as
// they are. When it was the last use of a local variable, an assignment
// becomes "_ = value" so that the code still compiles.
//
// It reports false when no safe edit exists, for example when the removed
// value of a composite literal is the only use of a local variable.
func ReplaceServerTimeout(f *File, s Setting, with []Replacement) (analysis.SuggestedFix, bool) {
	value := f.text(s.Value)
	if tv, ok := f.Info.Types[s.Value]; !ok || tv.Value == nil {
		return f.removeConfigured(s)
	}
	var edits []analysis.TextEdit
	if len(with) == 0 {
		if !f.removable(s.Node, s.Value) {
			return analysis.SuggestedFix{}, false
		}
		pos, end := f.lineRange(s.Node.Pos(), s.Node.End())
		edits = append(edits, analysis.TextEdit{Pos: pos, End: end})
		edits = append(edits, f.unusedImports(s.Node, s.Value)...)
	} else {
		indent, own := f.indent(s.Node.Pos())
		var b strings.Builder
		for i, r := range with {
			if i > 0 {
				b.WriteString(sep(s.Node) + "\n" + indent)
			}
			if own {
				b.WriteString("// " + r.Why + "\n" + indent)
			}
			b.WriteString(field(f, s, r.Name, value))
		}
		edits = append(edits, analysis.TextEdit{Pos: s.Node.Pos(), End: s.Node.End(), NewText: []byte(b.String())})
	}
	msg := "remove " + s.Name + " from the streaming server"
	if len(with) > 0 {
		var names []string
		for _, r := range with {
			names = append(names, r.Name)
		}
		msg = "replace " + s.Name + " with " + strings.Join(names, " and ")
	}
	return analysis.SuggestedFix{Message: msg, TextEdits: edits}, true
}

// removeConfigured removes a timeout whose value is not a constant,
// leaving a comment in its place.
func (f *File) removeConfigured(s Setting) (analysis.SuggestedFix, bool) {
	what := "responses"
	if s.Name == "ReadTimeout" {
		what = "request bodies"
	}
	why := s.Name + " removed: an absolute deadline cuts streamed " + what + "; the other timeouts are unchanged."
	indent, own := f.indent(s.Node.Pos())
	var edits []analysis.TextEdit
	switch {
	case f.removable(s.Node, s.Value):
		pos, end := f.lineRange(s.Node.Pos(), s.Node.End())
		text := ""
		if own && end > s.Node.End() {
			text = indent + "// " + why + "\n" // the setting had a line of its own
		}
		edits = append(edits, analysis.TextEdit{Pos: pos, End: end, NewText: []byte(text)})
		edits = append(edits, f.unusedImports(s.Node, s.Value)...)
	case isAssign(s.Node):
		// The value was the last use of a local (say, a flag): keep it used.
		edits = append(edits, analysis.TextEdit{Pos: s.Node.Pos(), End: s.Node.End(),
			NewText: []byte("_ = " + f.text(s.Value) + " // " + why)})
	default:
		return analysis.SuggestedFix{}, false
	}
	return analysis.SuggestedFix{Message: "remove " + s.Name + " from the streaming server", TextEdits: edits}, true
}

func isAssign(n ast.Node) bool {
	_, ok := n.(*ast.AssignStmt)
	return ok
}

func sep(n ast.Node) string {
	if _, ok := n.(*ast.KeyValueExpr); ok {
		return ","
	}
	return ""
}

// field renders "Name: value" for a literal, "srv.Name = value" for an
// assignment.
func field(f *File, s Setting, name, value string) string {
	if as, ok := s.Node.(*ast.AssignStmt); ok {
		if sel, ok := as.Lhs[0].(*ast.SelectorExpr); ok {
			return f.text(sel.X) + "." + name + " = " + value
		}
	}
	return name + ": " + value
}

// removable reports whether deleting node leaves every local variable it
// mentions still used elsewhere.
func (f *File) removable(node ast.Node, value ast.Expr) bool {
	ok := true
	ast.Inspect(value, func(n ast.Node) bool {
		id, isID := n.(*ast.Ident)
		if !isID {
			return true
		}
		v, isVar := f.Info.Uses[id].(*types.Var)
		if !isVar || v.IsField() || v.Parent() == nil || v.Pkg() == nil || v.Parent() == v.Pkg().Scope() || f.isParam(v) {
			return true // unused fields, globals and parameters still compile
		}
		if f.usesOutside(v, node) == 0 {
			ok = false
		}
		return ok
	})
	return ok
}

// isParam reports whether v is declared as a function parameter.
func (f *File) isParam(v *types.Var) bool {
	found := false
	ast.Inspect(f.Syntax, func(n ast.Node) bool {
		ft, ok := n.(*ast.FuncType)
		if !ok || found {
			return !found
		}
		if ft.Params != nil && ft.Params.Pos() <= v.Pos() && v.Pos() < ft.Params.End() {
			found = true
		}
		return !found
	})
	return found
}

// usesOutside counts the uses of obj in the file outside node.
func (f *File) usesOutside(obj types.Object, node ast.Node) int {
	n := 0
	for id, o := range f.Info.Uses {
		if o == obj && (id.Pos() < node.Pos() || id.Pos() >= node.End()) &&
			f.Syntax.FileStart <= id.Pos() && id.Pos() <= f.Syntax.FileEnd {
			n++
		}
	}
	return n
}

// unusedImports deletes the imports whose last use is inside node.
func (f *File) unusedImports(node ast.Node, value ast.Expr) []analysis.TextEdit {
	var edits []analysis.TextEdit
	seen := make(map[*types.PkgName]bool)
	ast.Inspect(value, func(n ast.Node) bool {
		id, ok := n.(*ast.Ident)
		if !ok {
			return true
		}
		pn, ok := f.Info.Uses[id].(*types.PkgName)
		if !ok || seen[pn] {
			return true
		}
		seen[pn] = true
		if f.usesOutside(pn, node) > 0 {
			return true
		}
		for _, imp := range f.Syntax.Imports {
			if f.Info.PkgNameOf(imp) == pn {
				edits = append(edits, f.DeleteImport(imp)...)
			}
		}
		return true
	})
	return edits
}

// DeleteImport removes one import spec, with its declaration when it is
// the only one.
func (f *File) DeleteImport(imp *ast.ImportSpec) []analysis.TextEdit {
	for _, decl := range f.Syntax.Decls {
		gd, ok := decl.(*ast.GenDecl)
		if !ok || gd.Tok != token.IMPORT {
			continue
		}
		for _, spec := range gd.Specs {
			if spec != imp {
				continue
			}
			if len(gd.Specs) == 1 {
				pos, end := f.lineRange(gd.Pos(), gd.End())
				return []analysis.TextEdit{{Pos: pos, End: end}}
			}
			pos, end := f.lineRange(imp.Pos(), imp.End())
			return []analysis.TextEdit{{Pos: pos, End: end}}
		}
	}
	return nil
}
