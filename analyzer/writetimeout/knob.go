package writetimeout

import (
	"go/ast"
	"go/build"
	"go/token"
	"go/types"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/tools/go/analysis"

	"github.com/streamvet/streamvet/analyzer/internal/httpsym"
)

// A timeout read from a configuration field is a knob: it cuts streams
// only when something gives it a value. A server configured as
//
//	cfg := confighttp.ServerConfig{Endpoint: addr} // no WriteTimeout
//	srv, _ := cfg.ToServer(ctx, host, set, handler)
//
// where ToServer sets WriteTimeout: hss.WriteTimeout, has none. A field's
// value is known when the configuration is a local built in the same
// function (a literal, new(T), var v T) that nothing else can change: the
// literal's value, zero when it leaves the field out. Elsewhere, in a
// main package (nothing imports it, so every write is in view), a field
// that neither the package nor anything it imports ever sets to a value
// that may be non-zero (a literal key, an assignment, a flag or other
// function handed its address, a default in its struct tag) stays zero;
// values decoded from a configuration file are the user's choice, not the
// program's. In any other package the field counts as set: a package
// that imports it may set it.

// SetsFields is the package fact listing the numeric fields (durations,
// seconds) that the package may set to a non-zero value, each with where;
// a main package reads those of every package it imports, directly or not.
type SetsFields struct {
	Fields []FieldSet // sorted by key: gob encodes maps in no fixed order
}

// FieldSet is one field a package sets, and where.
type FieldSet struct{ Key, Where string }

func (*SetsFields) AFact() {}

func (f *SetsFields) String() string {
	return "sets " + strconv.Itoa(len(f.Fields)) + " numeric fields"
}

// knobs answers whether timeout values are left zero by the program.
type knobs struct {
	pass *analysis.Pass
	sets map[string]string
	main bool
	// reader is the call that reads the configuration (cfg.ToServer(h)):
	// not a change to it, whatever its receiver.
	reader *ast.CallExpr
}

// newKnobs collects the numeric fields the package sets and exports them
// as its fact; a main package adds those of everything it imports. The
// standard library sets no program's configuration and is skipped.
func newKnobs(pass *analysis.Pass) *knobs {
	k := &knobs{pass: pass, sets: make(map[string]string), main: pass.Pkg.Name() == "main"}
	if len(pass.Files) > 0 && inGOROOT(pass.Fset.Position(pass.Files[0].Pos()).Filename) {
		return k // the standard library
	}
	info := pass.TypesInfo
	set := func(field *types.Var, at token.Pos) {
		if field == nil || !numeric(field.Type()) || inStd(pass.Fset, field) {
			return // the standard library's own fields (http.Server's) are no program's knobs
		}
		key := fieldKey(pass.Fset, field)
		if _, ok := k.sets[key]; !ok {
			k.sets[key] = httpsym.Where(pass.Fset, at)
		}
	}
	for _, f := range pass.Files {
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CompositeLit:
				st, ok := deref(info.TypeOf(n)).Underlying().(*types.Struct)
				if !ok {
					return true
				}
				for i, elt := range n.Elts {
					if kv, ok := elt.(*ast.KeyValueExpr); ok {
						if id, ok := kv.Key.(*ast.Ident); ok && !isZero(info, kv.Value) {
							v, _ := info.Uses[id].(*types.Var)
							set(v, kv.Pos())
						}
					} else if i < st.NumFields() && !isZero(info, elt) {
						set(st.Field(i), elt.Pos())
					}
				}
			case *ast.AssignStmt:
				for i, l := range n.Lhs {
					if i < len(n.Rhs) && len(n.Lhs) == len(n.Rhs) && isZero(info, n.Rhs[i]) {
						continue
					}
					set(fieldOf(info, l), l.Pos())
				}
			case *ast.UnaryExpr:
				// &cfg.WriteTimeout handed to a flag, an environment
				// reader, a decoder of defaults: it may set it.
				if n.Op == token.AND {
					set(fieldOf(info, n.X), n.Pos())
				}
			case *ast.StructType:
				for _, fld := range n.Fields.List {
					if fld.Tag == nil || !hasDefaultTag(fld.Tag.Value) {
						continue
					}
					for _, name := range fld.Names {
						v, _ := info.Defs[name].(*types.Var)
						set(v, name.Pos())
					}
				}
			}
			return true
		})
	}
	if len(k.sets) > 0 && !k.main { // nothing imports a main package
		fact := &SetsFields{}
		for key, where := range k.sets {
			fact.Fields = append(fact.Fields, FieldSet{key, where})
		}
		slices.SortFunc(fact.Fields, func(a, b FieldSet) int { return strings.Compare(a.Key, b.Key) })
		pass.ExportPackageFact(fact)
	}
	if k.main {
		for _, pf := range pass.AllPackageFacts() {
			if f, ok := pf.Fact.(*SetsFields); ok {
				for _, fs := range f.Fields {
					if _, ok := k.sets[fs.Key]; !ok {
						k.sets[fs.Key] = fs.Where
					}
				}
			}
		}
	}
	return k
}

// hasDefaultTag reports whether a struct tag gives the field a non-zero
// default: default:"30s", envDefault:"30s" and the like.
func hasDefaultTag(lit string) bool {
	tag, err := strconv.Unquote(lit)
	if err != nil {
		return false
	}
	for _, key := range []string{"default", "envDefault", "env-default"} {
		if v, ok := reflect.StructTag(tag).Lookup(key); ok && v != "" && strings.Trim(v, "0s.") != "" {
			return true
		}
	}
	return false
}

// inStd reports whether the field v is declared in the standard library.
func inStd(fset *token.FileSet, v *types.Var) bool {
	return inGOROOT(fset.Position(v.Pos()).Filename)
}

// inGOROOT reports whether the file is one of the standard library's.
func inGOROOT(name string) bool {
	name = filepath.ToSlash(name)
	if strings.HasPrefix(name, "$GOROOT/src/") {
		return true // export data of a -trimpath build
	}
	root := filepath.ToSlash(build.Default.GOROOT)
	return root != "" && strings.HasPrefix(name, root+"/src/")
}

func numeric(t types.Type) bool {
	b, ok := t.Underlying().(*types.Basic)
	return ok && b.Info()&types.IsNumeric != 0
}

func deref(t types.Type) types.Type {
	if p, ok := t.(*types.Pointer); ok {
		return p.Elem()
	}
	return t
}

// fieldKey names a field across packages: its package, name and place.
func fieldKey(fset *token.FileSet, v *types.Var) string {
	p := fset.Position(v.Pos())
	pkg := ""
	if v.Pkg() != nil {
		pkg = v.Pkg().Path()
	}
	return pkg + "." + v.Name() + "@" + filepath.Base(p.Filename) + ":" + strconv.Itoa(p.Line)
}

// unset reports whether the program leaves the timeout value e zero:
// e is, or is made from (a conversion, a product), a field that the
// configuration in view never sets.
func (k *knobs) unset(e ast.Expr) bool {
	info := k.pass.TypesInfo
	switch x := ast.Unparen(e).(type) {
	case *ast.BinaryExpr:
		if x.Op == token.MUL {
			return k.unset(x.X) || k.unset(x.Y)
		}
	case *ast.CallExpr:
		if tv, ok := info.Types[x.Fun]; ok && tv.IsType() && len(x.Args) == 1 {
			return k.unset(x.Args[0]) // time.Duration(cfg.Seconds)
		}
	case *ast.SelectorExpr:
		var path []string
		root := ast.Expr(x)
		for {
			sel, ok := ast.Unparen(root).(*ast.SelectorExpr)
			if !ok || fieldOf(info, sel) == nil {
				break
			}
			path = append([]string{sel.Sel.Name}, path...)
			root = sel.X
		}
		if len(path) == 0 {
			return false
		}
		return k.fieldUnset(root, path, enclosingDecl(k.pass, e.Pos()))
	}
	return false
}

// fieldUnset reports whether the field path of the value root is left
// zero: root is a local configuration built in decl whose literal leaves
// the field out (or sets it to a value left zero), or, in a main package,
// the field is never set by the program.
func (k *knobs) fieldUnset(root ast.Expr, path []string, decl *ast.FuncDecl) bool {
	if lit := k.localLiteral(root, path[0], decl); lit != nil {
		return k.literalUnset(lit, path)
	}
	if local := k.zeroLocal(root, path[0], decl); local {
		return true
	}
	return k.neverSet(root, path)
}

// neverSet reports whether, in a main package, the program never sets
// the field at the end of path.
func (k *knobs) neverSet(root ast.Expr, path []string) bool {
	info := k.pass.TypesInfo
	if !k.main {
		return false // a package that imports this one may set it
	}
	// Every write in the program is in view: the last field decides.
	t := info.TypeOf(root)
	var field *types.Var
	for _, name := range path {
		if t == nil {
			return false
		}
		obj, _, _ := types.LookupFieldOrMethod(t, true, nil, name)
		v, ok := obj.(*types.Var)
		if !ok || !v.IsField() {
			return false
		}
		field, t = v, v.Type()
	}
	if field == nil || !numeric(field.Type()) {
		return false
	}
	_, set := k.sets[fieldKey(k.pass.Fset, field)]
	return !set
}

// literalUnset reports whether the field path is zero in the literal.
func (k *knobs) literalUnset(lit *ast.CompositeLit, path []string) bool {
	info := k.pass.TypesInfo
	st, ok := deref(info.TypeOf(lit)).Underlying().(*types.Struct)
	if !ok {
		return false
	}
	for i, elt := range lit.Elts {
		var name string
		var value ast.Expr
		if kv, ok := elt.(*ast.KeyValueExpr); ok {
			id, ok := kv.Key.(*ast.Ident)
			if !ok {
				return false
			}
			name, value = id.Name, kv.Value
		} else if i < st.NumFields() {
			name, value = st.Field(i).Name(), elt
		}
		if name != path[0] {
			continue
		}
		if len(path) == 1 {
			return isZero(info, value) || k.unset(value)
		}
		inner, ok := ast.Unparen(value).(*ast.CompositeLit)
		if u, isAddr := ast.Unparen(value).(*ast.UnaryExpr); isAddr && u.Op == token.AND {
			inner, ok = ast.Unparen(u.X).(*ast.CompositeLit)
		}
		if !ok {
			return false
		}
		return k.literalUnset(inner, path[1:])
	}
	return true // left out: zero (an embedded field's fields are not looked into)
}

// localLiteral returns the composite literal that the local variable
// root is declared with in decl (v := T{...}, v := &T{...}), when decl
// neither assigns v or its first field again nor takes their address.
func (k *knobs) localLiteral(root ast.Expr, first string, decl *ast.FuncDecl) *ast.CompositeLit {
	v, def := k.local(root, decl)
	if v == nil {
		return nil
	}
	switch d := ast.Unparen(def).(type) {
	case *ast.CompositeLit:
		if k.untouched(v, first, decl) {
			return d
		}
	case *ast.UnaryExpr:
		if lit, ok := ast.Unparen(d.X).(*ast.CompositeLit); ok && d.Op == token.AND && k.untouched(v, first, decl) {
			return lit
		}
	}
	return nil
}

// zeroLocal reports whether root is a local declared zero in decl (var v
// T, v := new(T)) that decl never sets the field of or hands on.
func (k *knobs) zeroLocal(root ast.Expr, first string, decl *ast.FuncDecl) bool {
	v, def := k.local(root, decl)
	if v == nil {
		return false
	}
	if def == nil {
		_, isStruct := v.Type().Underlying().(*types.Struct)
		return isStruct && k.untouched(v, first, decl)
	}
	if call, ok := ast.Unparen(def).(*ast.CallExpr); ok {
		if id, ok := ast.Unparen(call.Fun).(*ast.Ident); ok {
			if b, ok := k.pass.TypesInfo.Uses[id].(*types.Builtin); ok && b.Name() == "new" {
				return k.untouched(v, first, decl)
			}
		}
	}
	return false
}

// local returns the local variable root names, declared in decl, with
// the expression it is declared with (nil for var v T).
func (k *knobs) local(root ast.Expr, decl *ast.FuncDecl) (*types.Var, ast.Expr) {
	info := k.pass.TypesInfo
	id, ok := ast.Unparen(root).(*ast.Ident)
	if !ok || decl == nil || decl.Body == nil {
		return nil, nil
	}
	v, ok := info.Uses[id].(*types.Var)
	if !ok || v.IsField() || v.Pos() < decl.Body.Pos() || v.Pos() >= decl.Body.End() {
		return nil, nil // a parameter, a global or a field: set where this cannot see
	}
	var def ast.Expr
	found := false
	ast.Inspect(decl.Body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt:
			if n.Tok == token.DEFINE && len(n.Lhs) == len(n.Rhs) {
				for i, l := range n.Lhs {
					if lid, ok := l.(*ast.Ident); ok && info.Defs[lid] == v {
						def, found = n.Rhs[i], true
					}
				}
			}
		case *ast.ValueSpec:
			for i, name := range n.Names {
				if info.Defs[name] == v {
					found = true
					if i < len(n.Values) {
						def = n.Values[i]
					}
				}
			}
		}
		return !found
	})
	if !found {
		return nil, nil
	}
	return v, def
}

// untouched reports whether decl uses v only to read it: it assigns
// neither v nor v.first after the declaration, takes neither's address,
// and hands v itself to no call or closure that could change it (a
// pointer handed on, a method with a pointer receiver).
func (k *knobs) untouched(v *types.Var, first string, decl *ast.FuncDecl) bool {
	info := k.pass.TypesInfo
	_, isPtr := v.Type().Underlying().(*types.Pointer)
	ok := true
	names := func(e ast.Expr) bool {
		id, isID := ast.Unparen(e).(*ast.Ident)
		return isID && info.Uses[id] == v
	}
	ast.Inspect(decl.Body, func(n ast.Node) bool {
		if !ok {
			return false
		}
		switch n := n.(type) {
		case *ast.AssignStmt:
			for _, l := range n.Lhs {
				if names(l) {
					ok = false
				}
				if sel, isSel := ast.Unparen(l).(*ast.SelectorExpr); isSel && sel.Sel.Name == first && names(sel.X) {
					ok = false
				}
			}
		case *ast.UnaryExpr:
			if n.Op == token.AND {
				if names(n.X) {
					ok = false
				}
				if sel, isSel := ast.Unparen(n.X).(*ast.SelectorExpr); isSel && names(sel.X) {
					ok = false
				}
			}
		case *ast.CallExpr:
			if n == k.reader {
				return true
			}
			for _, arg := range n.Args {
				if names(arg) && isPtr {
					ok = false // the callee may set it
				}
			}
			if sel, isSel := ast.Unparen(n.Fun).(*ast.SelectorExpr); isSel && names(sel.X) {
				if s := info.Selections[sel]; s != nil && s.Kind() == types.MethodVal {
					if _, ptrRecv := s.Obj().(*types.Func).Signature().Recv().Type().(*types.Pointer); ptrRecv {
						ok = false // a method that may set it
					}
				}
			}
		}
		return ok
	})
	return ok
}
