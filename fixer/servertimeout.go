// Package fixer builds the suggested fixes of the streamvet checks.
//
// Every function here is pure: syntax, type information and source text
// in, analysis.SuggestedFix out. The first fix a check offers uses the
// standard library only and leaves code that compiles, so that
// `go vet -fix` and `golangci-lint --fix` can apply it blindly.
package fixer

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/constant"
	"go/format"
	"go/token"
	"go/types"
	"slices"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/types/typeutil"
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
// taking a trailing comma along, so a deleted element leaves no blank line;
// a last element on a line of its own with the closing brace after it
// takes its line break and the comma before it, so the brace ends the
// line before as gofmt would keep it.
func (f *File) lineRange(pos, end token.Pos) (token.Pos, token.Pos) {
	off, endOff := f.offset(pos), f.offset(end)
	rest := f.Src[endOff:]
	if r := bytes.TrimLeft(rest, " \t"); len(r) > 0 && r[0] == ',' {
		endOff += len(rest) - len(r) + 1
		rest = f.Src[endOff:]
	}
	_, own := f.indent(pos)
	if r := bytes.TrimLeft(rest, " \t"); own && len(r) > 0 && (r[0] == '}' || r[0] == ')') {
		// The last element, with the closing brace on its line: join the
		// brace to the line before, whose trailing comma goes too.
		before := bytes.TrimRight(f.Src[:off], " \t\n")
		if !f.commentEndsAt(len(before)) {
			if len(before) > 0 && before[len(before)-1] == ',' {
				before = before[:len(before)-1]
			}
			return pos - token.Pos(off-len(before)), pos + token.Pos(endOff-off)
		}
	}
	nl := bytes.IndexByte(rest, '\n')
	if !own || nl < 0 || len(bytes.TrimSpace(rest[:nl])) != 0 && !bytes.HasPrefix(bytes.TrimSpace(rest[:nl]), []byte("//")) {
		return pos, pos + token.Pos(endOff-off)
	}
	start := bytes.LastIndexByte(f.Src[:off], '\n') + 1
	return pos - token.Pos(off-start), pos + token.Pos(endOff+nl+1-off)
}

// commentEndsAt reports whether a comment of the file ends at offset off.
func (f *File) commentEndsAt(off int) bool {
	for _, g := range f.Syntax.Comments {
		if f.offset(g.End()) == off {
			return true
		}
	}
	return false
}

// Setting is one field of an http.Server: a key in a composite literal,
// or an assignment statement srv.Field = value.
type Setting struct {
	Name  string
	Node  ast.Node // *ast.KeyValueExpr or *ast.AssignStmt
	Value ast.Expr
}

// Replacement is a server field a fix adds in place of a removed timeout,
// with a comment saying why and the value it gets when no constant of the
// server is reused (a format for the name of package time).
type Replacement struct {
	Name    string
	Why     string
	Default string
}

// Safer settings, with why each replaces an absolute timeout. The defaults
// are streamsafe.NewServer's.
var (
	ReadHeaderTimeout = Replacement{"ReadHeaderTimeout", "ReadHeaderTimeout bounds slow clients without cutting streamed request bodies.", "10 * %s.Second"}
	IdleTimeout       = Replacement{"IdleTimeout", "IdleTimeout closes idle keep-alive connections without cutting streamed responses.", "2 * %s.Minute"}
)

// ReplaceServerTimeout returns the fix that removes the absolute timeout s
// from a server and puts the replacements in its place. They take the
// value reuse (the server's constant ReadTimeout, which net/http also
// applies to idle connections) when it is in this file, else their
// defaults: a removed WriteTimeout says nothing about how long headers
// may take.
//
// A value from configuration (a flag documented as "response write
// timeout", an environment variable) is removed with a one-line comment
// that says why, naming the flag it came from when the file defines one,
// since that flag now does nothing. When it was the last use of a local
// variable, an assignment becomes "_ = value" so that the code still
// compiles.
//
// It reports false when no safe edit exists, for example when the removed
// value of a composite literal is the only use of a local variable.
func ReplaceServerTimeout(f *File, s Setting, with []Replacement, reuse ast.Expr) (analysis.SuggestedFix, bool) {
	if tv, ok := f.Info.Types[s.Value]; !ok || tv.Value == nil {
		return f.removeConfigured(s)
	}
	if len(with) == 0 {
		if !f.removable(s.Node, s.Value) {
			return analysis.SuggestedFix{}, false
		}
		pos, end := f.lineRange(s.Node.Pos(), s.Node.End())
		edits := []analysis.TextEdit{{Pos: pos, End: end}}
		edits = append(edits, f.unusedImports(s.Node, s.Value)...)
		return analysis.SuggestedFix{Message: "remove " + s.Name + " from the streaming server", TextEdits: edits}, true
	}
	values, edits, ok := f.replacementValues(with, reuse, s)
	if !ok {
		return analysis.SuggestedFix{}, false
	}
	indent, own := f.indent(s.Node.Pos())
	var b strings.Builder
	for i, r := range with {
		if i > 0 {
			b.WriteString(sep(s.Node) + "\n" + indent)
		}
		if own {
			b.WriteString("// " + r.Why + "\n" + indent)
		}
		b.WriteString(field(f, s, r.Name, values[i]))
	}
	edits = append(edits, analysis.TextEdit{Pos: s.Node.Pos(), End: s.Node.End(), NewText: []byte(b.String())})
	return analysis.SuggestedFix{Message: replaceMessage([]Setting{s}, with), TextEdits: edits}, true
}

func replaceMessage(removed []Setting, with []Replacement) string {
	var old, names []string
	for _, s := range removed {
		old = append(old, s.Name)
	}
	for _, r := range with {
		names = append(names, r.Name)
	}
	if len(names) == 0 {
		return "remove " + strings.Join(old, " and ") + " from the streaming server"
	}
	return "replace " + strings.Join(old, " and ") + " with " + strings.Join(names, " and ")
}

// replacementValues returns the value text of each replacement and the
// import edits they need; the imports that only the removed settings'
// values used are deleted, but for package time when a default needs it.
func (f *File) replacementValues(with []Replacement, reuse ast.Expr, removed ...Setting) ([]string, []analysis.TextEdit, bool) {
	if reuse != nil && !(f.Syntax.FileStart <= reuse.Pos() && reuse.End() <= f.Syntax.FileEnd) {
		reuse = nil // in another file: its text is not this file's
	}
	var values []string
	var edits []analysis.TextEdit
	timeName := ""
	for _, r := range with {
		if reuse != nil {
			values = append(values, f.text(reuse))
			continue
		}
		if timeName == "" {
			names, imp, ok := f.EnsureImports("time")
			if !ok {
				return nil, nil, false
			}
			timeName = names["time"]
			edits = append(edits, imp...)
		}
		values = append(values, fmt.Sprintf(r.Default, timeName))
	}
	for _, s := range removed {
		if reuse != nil && s.Value == reuse {
			continue // its imports stay in use
		}
		for _, e := range f.unusedImports(s.Node, s.Value) {
			if timeName != "" && f.importsTime(e) {
				continue
			}
			edits = append(edits, e)
		}
	}
	return values, edits, true
}

// importsTime reports whether the deletion e removes the import of
// package time.
func (f *File) importsTime(e analysis.TextEdit) bool {
	for _, imp := range f.Syntax.Imports {
		if imp.Path.Value == `"time"` && e.Pos <= imp.Pos() && imp.End() <= e.End {
			return true
		}
	}
	return false
}

// removeConfigured removes a timeout whose value is not a constant,
// leaving a comment in its place.
func (f *File) removeConfigured(s Setting) (analysis.SuggestedFix, bool) {
	why := f.removedWhy(s)
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

// removedWhy is the comment left where a configured timeout was removed.
func (f *File) removedWhy(s Setting) string {
	what := "responses"
	if s.Name == "ReadTimeout" {
		what = "request bodies"
	}
	why := s.Name + " removed: an absolute deadline cuts streamed " + what
	if name := f.flagOf(s.Value); name != "" {
		return why + "; flag -" + name + " now has no effect."
	}
	return why + "; the other timeouts are unchanged."
}

// flagOf returns the name of the command-line flag that value reads, when
// this file defines it: *d for d := flag.Duration("name", ...), or v for
// flag.DurationVar(&v, "name", ...) (fields and FlagSet methods alike).
func (f *File) flagOf(value ast.Expr) string {
	value = ast.Unparen(value)
	var target ast.Expr // what a XxxVar call must point at
	var holder types.Object
	if star, ok := value.(*ast.StarExpr); ok {
		if id, ok := ast.Unparen(star.X).(*ast.Ident); ok {
			holder = f.Info.ObjectOf(id)
		}
	} else {
		target = value
	}
	name := ""
	ast.Inspect(f.Syntax, func(n ast.Node) bool {
		if name != "" {
			return false
		}
		switch n := n.(type) {
		case *ast.AssignStmt:
			if holder != nil && len(n.Lhs) == len(n.Rhs) {
				for i, l := range n.Lhs {
					if id, ok := l.(*ast.Ident); ok && f.Info.ObjectOf(id) == holder {
						name = f.flagName(n.Rhs[i], false)
					}
				}
			}
		case *ast.ValueSpec:
			if holder != nil && len(n.Names) == len(n.Values) {
				for i, id := range n.Names {
					if f.Info.ObjectOf(id) == holder {
						name = f.flagName(n.Values[i], false)
					}
				}
			}
		case *ast.CallExpr:
			if target != nil && len(n.Args) >= 2 {
				if u, ok := ast.Unparen(n.Args[0]).(*ast.UnaryExpr); ok && u.Op == token.AND && types.ExprString(u.X) == types.ExprString(target) {
					name = f.flagName(n, true)
				}
			}
		}
		return true
	})
	return name
}

// flagName returns the name a call of package flag (or a *flag.FlagSet
// method) defines: the first argument of Duration, Int, String...
// (the second of the Var forms), when it is a constant string.
func (f *File) flagName(e ast.Expr, isVar bool) string {
	call, ok := ast.Unparen(e).(*ast.CallExpr)
	if !ok {
		return ""
	}
	fn, ok := typeutil.Callee(f.Info, call).(*types.Func)
	if !ok || fn.Pkg() == nil || fn.Pkg().Path() != "flag" || strings.HasSuffix(fn.Name(), "Var") != isVar {
		return ""
	}
	i := 0
	if isVar {
		i = 1
	}
	if len(call.Args) <= i {
		return ""
	}
	if tv := f.Info.Types[call.Args[i]]; tv.Value != nil && tv.Value.Kind() == constant.String {
		return constant.StringVal(tv.Value)
	}
	return ""
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

// ReplaceInLiteral rewrites a server literal written on one line whole, a
// field a line as gofmt lays it out: the removed timeouts are taken out
// (a configured one leaves its comment), the replacements come in with
// theirs. Every finding on the literal gets this same fix, so that
// applying all of them (identical edits are applied once) or only one
// leaves the same code.
func ReplaceInLiteral(f *File, lit *ast.CompositeLit, removed []Setting, with []Replacement, reuse ast.Expr) (analysis.SuggestedFix, bool) {
	if lit.Type == nil {
		return analysis.SuggestedFix{}, false // an element of another literal: left as it is
	}
	var lines []string
	for _, elt := range lit.Elts {
		i := slices.IndexFunc(removed, func(s Setting) bool { return s.Node == elt })
		if i < 0 {
			lines = append(lines, f.text(elt)+",")
			continue
		}
		s := removed[i]
		if !f.removable(s.Node, s.Value) {
			return analysis.SuggestedFix{}, false
		}
		if tv, ok := f.Info.Types[s.Value]; !ok || tv.Value == nil {
			lines = append(lines, "// "+f.removedWhy(s))
		}
	}
	values, edits, ok := f.replacementValues(with, reuse, removed...)
	if !ok {
		return analysis.SuggestedFix{}, false
	}
	for i, r := range with {
		lines = append(lines, "// "+r.Why, r.Name+": "+values[i]+",")
	}
	const prefix = "package p\n\nvar _ = "
	src, err := format.Source([]byte(prefix + f.text(lit.Type) + "{\n" + strings.Join(lines, "\n") + "\n}\n"))
	if err != nil {
		return analysis.SuggestedFix{}, false
	}
	text := strings.TrimSuffix(string(src[len(prefix):]), "\n")
	text = strings.ReplaceAll(text, "\n", "\n"+f.lineIndent(lit.Pos()))
	edits = append(edits, analysis.TextEdit{Pos: lit.Pos(), End: lit.End(), NewText: []byte(text)})
	return analysis.SuggestedFix{Message: replaceMessage(removed, with), TextEdits: edits}, true
}

// Inline reports whether the settings of a server literal are better
// fixed by ReplaceInLiteral: the literal has no comments of its own to
// lose, and it is written on one line or a setting shares its line with
// another field.
func (f *File) Inline(lit *ast.CompositeLit, settings []Setting) bool {
	for _, g := range f.Syntax.Comments {
		if lit.Lbrace < g.Pos() && g.End() <= lit.Rbrace {
			return false
		}
	}
	if f.Fset.Position(lit.Lbrace).Line == f.Fset.Position(lit.Rbrace).Line {
		return true
	}
	for _, s := range settings {
		if _, own := f.indent(s.Node.Pos()); !own {
			return true
		}
	}
	return false
}
