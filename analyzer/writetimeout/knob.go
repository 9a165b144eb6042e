package writetimeout

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/tools/go/analysis"

	"github.com/streamvet/streamvet/analyzer/internal/httpsym"
	"github.com/streamvet/streamvet/analyzer/streamflow"
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
// program's. A package under internal/ is judged the same way, since
// its importers are the program's own: a field nothing it sees sets is
// zero there, and the timeout is recorded (PendingKnobs) for a main
// package that sets the field, which is reported where it does. A
// literal returned by an exported default constructor
// (NewDefaultServerConfig) sets its fields only for packages that call
// the constructor. In any other package the field counts as set: a
// package that imports it may set it.

// SetsFields is the package fact listing the numeric fields (durations,
// seconds) that the package may set to a non-zero value, each with where;
// a main package reads those of every package it imports, directly or not.
type SetsFields struct {
	Fields []FieldSet // sorted by key: gob encodes maps in no fixed order
}

// FieldSet is one field a package sets, and where. Via names the
// exported default constructor (pkg.NewDefaultConfig) whose returned
// literal sets it: the field is set only for a program that calls it,
// and a package that does counts the setting as its own.
type FieldSet struct{ Key, Where, Via string }

func (*SetsFields) AFact() {}

func (f *SetsFields) String() string {
	return "sets " + strconv.Itoa(len(f.Fields)) + " numeric fields"
}

// knobs answers whether timeout values are left zero by the program.
type knobs struct {
	pass *analysis.Pass
	sets map[string]string
	// main: nothing imports the package; closed: main, or a package under
	// internal/ — the program's own, every use of which is in its module:
	// a field nothing in view sets is taken as left zero.
	main, closed bool
	// reader is the call that reads the configuration (cfg.ToServer(h)):
	// not a change to it, whatever its receiver.
	reader *ast.CallExpr
	// own holds where this package itself sets each field, for a main
	// package's report of a knob that a server elsewhere reads.
	own map[string]token.Pos
	// closedUnset is the field key that neverSet last found unset in a
	// package under internal/ (whose importers it cannot see).
	closedUnset string
	pending     []PendingKnob
}

// PendingKnobs is the package fact of a package under internal/ that
// serves a stream on a server whose timeout is a configuration field that
// nothing it sees sets: a main package that sets the field is reported
// where it does.
type PendingKnobs struct {
	Knobs []PendingKnob
}

// PendingKnob is one such timeout: the field (Key), the server's setting
// (Name, Where) and the stream it cuts.
type PendingKnob struct {
	Key, Name, Where, Stream string
}

func (*PendingKnobs) AFact() {}

func (f *PendingKnobs) String() string {
	return "serves streams with " + strconv.Itoa(len(f.Knobs)) + " timeouts from unset fields"
}

// newKnobs collects the numeric fields the package sets and exports them
// as its fact; a main package adds those of everything it imports. The
// standard library sets no program's configuration and is skipped.
func newKnobs(pass *analysis.Pass) *knobs {
	k := &knobs{pass: pass, sets: make(map[string]string), main: pass.Pkg.Name() == "main", own: make(map[string]token.Pos)}
	k.closed = k.main || slices.Contains(strings.Split(pass.Pkg.Path(), "/"), "internal")
	if len(pass.Files) > 0 && httpsym.InGOROOT(pass.Fset.Position(pass.Files[0].Pos()).Filename) {
		return k // the standard library
	}
	info := pass.TypesInfo
	// Literals returned by exported default constructors (func
	// NewDefaultServerConfig() ServerConfig { return ServerConfig{...} }).
	ctors := make(map[*ast.CompositeLit]*types.Func)
	for _, f := range pass.Files {
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Recv != nil || fd.Body == nil || !fd.Name.IsExported() || fd.Type.Params.NumFields() != 0 {
				continue
			}
			fn, _ := info.Defs[fd.Name].(*types.Func)
			for _, ret := range httpsym.Returns(fd.Body) {
				for _, r := range ret.Results {
					r = ast.Unparen(r)
					if u, ok := r.(*ast.UnaryExpr); ok && u.Op == token.AND {
						r = ast.Unparen(u.X)
					}
					if lit, ok := r.(*ast.CompositeLit); ok && fn != nil {
						ctors[lit] = fn
					}
				}
			}
		}
	}
	var cond []FieldSet // set by a constructor this package does not call itself
	used := make(map[*types.Func]bool)
	for _, obj := range info.Uses {
		if fn, ok := obj.(*types.Func); ok {
			used[fn] = true
		}
	}
	set := func(field *types.Var, at token.Pos, via *types.Func) {
		if field == nil || !numeric(field.Type()) || inStd(pass.Fset, field) {
			return // the standard library's own fields (http.Server's) are no program's knobs
		}
		key := fieldKey(pass.Fset, field)
		if via != nil && !used[via] {
			cond = append(cond, FieldSet{key, httpsym.Where(pass.Fset, at), via.Pkg().Path() + "." + via.Name()})
			return
		}
		if _, ok := k.sets[key]; !ok {
			k.sets[key] = httpsym.Where(pass.Fset, at)
		}
		if _, ok := k.own[key]; !ok {
			k.own[key] = at
		}
	}
	// A default constructor of a dependency that this package calls sets
	// its fields here.
	for fn := range used {
		if fn.Pkg() == nil || fn.Pkg() == pass.Pkg || fn.Signature().Recv() != nil {
			continue
		}
		var f SetsFields
		if !pass.ImportPackageFact(fn.Pkg(), &f) {
			continue
		}
		name := fn.Pkg().Path() + "." + fn.Name()
		for _, fs := range f.Fields {
			if fs.Via == name {
				if _, ok := k.sets[fs.Key]; !ok {
					k.sets[fs.Key] = fs.Where
				}
			}
		}
	}
	g := newGiver(pass, k.main)
	for _, f := range pass.Files {
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CompositeLit:
				st, ok := deref(info.TypeOf(n)).Underlying().(*types.Struct)
				if !ok {
					return true
				}
				via := ctors[n]
				for i, elt := range n.Elts {
					if kv, ok := elt.(*ast.KeyValueExpr); ok {
						if id, ok := kv.Key.(*ast.Ident); ok && g.gives(kv.Value) {
							v, _ := info.Uses[id].(*types.Var)
							set(v, kv.Pos(), via)
						}
					} else if i < st.NumFields() && g.gives(elt) {
						set(st.Field(i), elt.Pos(), via)
					}
				}
			case *ast.AssignStmt:
				for i, l := range n.Lhs {
					src := n.Rhs[0] // v, err := f(): the call decides
					if len(n.Lhs) == len(n.Rhs) {
						src = n.Rhs[i]
					}
					if g.gives(src) {
						set(fieldOf(info, l), l.Pos(), nil)
					}
				}
			case *ast.UnaryExpr:
				// &cfg.WriteTimeout handed to a flag gives it the flag's
				// default; handed to an environment reader or a decoder
				// of defaults, anything.
				if n.Op == token.AND {
					if def, ok := g.defaults[n]; !ok || g.gives(def) {
						set(fieldOf(info, n.X), n.Pos(), nil)
					}
				}
			case *ast.StructType:
				for _, name := range taggedDefaults(n) {
					v, _ := info.Defs[name].(*types.Var)
					set(v, name.Pos(), nil)
				}
			}
			return true
		})
	}
	if len(k.sets)+len(cond) > 0 && !k.main { // nothing imports a main package
		fact := &SetsFields{Fields: cond}
		for key, where := range k.sets {
			fact.Fields = append(fact.Fields, FieldSet{Key: key, Where: where})
		}
		slices.SortFunc(fact.Fields, func(a, b FieldSet) int {
			if c := strings.Compare(a.Key, b.Key); c != 0 {
				return c
			}
			return strings.Compare(a.Via, b.Via)
		})
		pass.ExportPackageFact(fact)
	}
	if k.closed {
		for _, pf := range pass.AllPackageFacts() {
			if f, ok := pf.Fact.(*SetsFields); ok {
				for _, fs := range f.Fields {
					if _, ok := k.sets[fs.Key]; !ok && fs.Via == "" {
						k.sets[fs.Key] = fs.Where
					}
				}
			}
		}
	}
	return k
}

// taggedDefaults returns the names of the fields of st whose struct tag
// gives them a non-zero default.
func taggedDefaults(st *ast.StructType) []*ast.Ident {
	var names []*ast.Ident
	for _, fld := range st.Fields.List {
		if fld.Tag != nil && hasDefaultTag(fld.Tag.Value) {
			names = append(names, fld.Names...)
		}
	}
	return names
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
func inStd(fset *token.FileSet, v *types.Var) bool { return httpsym.InStd(fset, v) }

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
	if !k.closed {
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
	key := fieldKey(k.pass.Fset, field)
	_, set := k.sets[key]
	if !set && !k.main {
		k.closedUnset = key
	}
	return !set
}

// pend records, in a package under internal/, a timeout left unset only
// because nothing in view sets its field (the last unset judgement).
func (k *knobs) pend(name, where string, s *streamflow.Stream) {
	if k.closedUnset == "" || s == nil {
		return
	}
	k.pending = append(k.pending, PendingKnob{Key: k.closedUnset, Name: name, Where: where, Stream: s.Describe()})
	k.closedUnset = ""
}

// exportPending publishes the pending timeouts of a package under
// internal/.
func (k *knobs) exportPending() {
	if len(k.pending) > 0 && !k.main {
		k.pass.ExportPackageFact(&PendingKnobs{Knobs: k.pending})
	}
}

// reportPending reports, in a main package, where it sets a field that a
// server in a package under internal/ uses as an absolute timeout of a
// stream.
func (k *knobs) reportPending() {
	if !k.main {
		return
	}
	for _, pf := range k.pass.AllPackageFacts() {
		f, ok := pf.Fact.(*PendingKnobs)
		if !ok {
			continue
		}
		for _, p := range f.Knobs {
			at, ok := k.own[p.Key]
			if !ok {
				continue
			}
			what := "streaming responses"
			if p.Name == "ReadTimeout" {
				what = "streamed request bodies"
			}
			httpsym.Report(k.pass, analysis.Diagnostic{
				Pos: at,
				Message: fmt.Sprintf("this sets the %s of a server in %s (%s), which cuts %s (%s); remove it and bound streams by inactivity",
					p.Name, pf.Package.Path(), p.Where, what, p.Stream),
			})
		}
	}
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
