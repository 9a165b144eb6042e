package fixer

import (
	"go/ast"
	"go/token"
	"path"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/tools/go/analysis"
)

// EnsureImports returns the name under which the file refers to each of
// the import paths, and the edits that import those it lacks. It reports
// false when a path cannot be referred to by a plain name: it is
// dot-imported or blank-imported only, or its default name is taken by
// another import.
func (f *File) EnsureImports(paths ...string) (map[string]string, []analysis.TextEdit, bool) {
	names := make(map[string]string)
	taken := make(map[string]bool)
	for _, imp := range f.Syntax.Imports {
		p, err := strconv.Unquote(imp.Path.Value)
		if err != nil {
			return nil, nil, false
		}
		name := path.Base(p)
		if imp.Name != nil {
			name = imp.Name.Name
		}
		if name == "_" || name == "." {
			continue
		}
		taken[name] = true
		if slices.Contains(paths, p) {
			if _, ok := names[p]; !ok {
				names[p] = name
			}
		}
	}
	var missing []string
	for _, p := range paths {
		if _, ok := names[p]; ok {
			continue
		}
		if taken[path.Base(p)] {
			return nil, nil, false
		}
		names[p] = path.Base(p)
		missing = append(missing, p)
	}
	if len(missing) == 0 {
		return names, nil, true
	}
	slices.Sort(missing)
	return names, f.addImports(missing), true
}

// addImports inserts import specs for the sorted paths, in order, into the
// first group of the first import declaration, or a new declaration.
func (f *File) addImports(paths []string) []analysis.TextEdit {
	var decl *ast.GenDecl
	for _, d := range f.Syntax.Decls {
		if gd, ok := d.(*ast.GenDecl); ok && gd.Tok == token.IMPORT {
			decl = gd
			break
		}
	}
	quote := func(list []string) []string {
		var out []string
		for _, p := range list {
			out = append(out, strconv.Quote(p))
		}
		return out
	}
	if decl == nil {
		text := "\n\nimport " + quote(paths)[0]
		if len(paths) > 1 {
			text = "\n\nimport (\n\t" + strings.Join(quote(paths), "\n\t") + "\n)"
		}
		return []analysis.TextEdit{{Pos: f.Syntax.Name.End(), End: f.Syntax.Name.End(), NewText: []byte(text)}}
	}
	if !decl.Lparen.IsValid() {
		specs := []string{f.text(decl.Specs[0])}
		specs = append(specs, quote(paths)...)
		slices.SortFunc(specs, func(a, b string) int { return strings.Compare(unnamed(a), unnamed(b)) })
		return []analysis.TextEdit{{Pos: decl.Pos(), End: decl.End(), NewText: []byte("import (\n\t" + strings.Join(specs, "\n\t") + "\n)")}}
	}
	// The first group: specs up to the first blank line.
	var group []*ast.ImportSpec
	for _, s := range decl.Specs {
		spec := s.(*ast.ImportSpec)
		if len(group) > 0 && f.Fset.Position(spec.Pos()).Line > f.Fset.Position(group[len(group)-1].End()).Line+1 {
			break
		}
		group = append(group, spec)
	}
	if len(group) == 0 {
		return []analysis.TextEdit{{Pos: decl.Lparen + 1, End: decl.Lparen + 1, NewText: []byte("\n\t" + strings.Join(quote(paths), "\n\t"))}}
	}
	before := make(map[*ast.ImportSpec][]string)
	var after []string
	for _, p := range paths {
		i := slices.IndexFunc(group, func(s *ast.ImportSpec) bool { return unnamed(s.Path.Value) > strconv.Quote(p) })
		if i < 0 {
			after = append(after, p)
		} else {
			before[group[i]] = append(before[group[i]], p)
		}
	}
	var edits []analysis.TextEdit
	for _, s := range group {
		if list := before[s]; len(list) > 0 {
			ind := f.lineIndent(s.Pos())
			edits = append(edits, analysis.TextEdit{Pos: s.Pos(), End: s.Pos(), NewText: []byte(strings.Join(quote(list), "\n"+ind) + "\n" + ind)})
		}
	}
	if len(after) > 0 {
		last := group[len(group)-1]
		ind := f.lineIndent(last.Pos())
		edits = append(edits, analysis.TextEdit{Pos: last.End(), End: last.End(), NewText: []byte("\n" + ind + strings.Join(quote(after), "\n"+ind))})
	}
	return edits
}

// unnamed drops the name of an import spec's text, keeping the path.
func unnamed(spec string) string {
	if i := strings.IndexByte(spec, '"'); i > 0 {
		return spec[i:]
	}
	return spec
}

// lineIndent returns the leading white space of the line holding pos.
func (f *File) lineIndent(pos token.Pos) string {
	off := f.offset(pos)
	start := strings.LastIndexByte(string(f.Src[:off]), '\n') + 1
	end := start
	for end < len(f.Src) && (f.Src[end] == ' ' || f.Src[end] == '\t') {
		end++
	}
	return string(f.Src[start:end])
}
