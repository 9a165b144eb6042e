// Package httpsym matches net/http symbols by type, never by spelling.
//
// These are small versions of helpers that golang.org/x/tools keeps
// internal (typesinternal.IsFunctionNamed, typesinternal.Imports), shared
// by every streamvet analyzer so that none of them keeps its own copy.
package httpsym

import (
	"go/ast"
	"go/build"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/types/typeutil"
)

// InStd reports whether obj is declared in the standard library.
func InStd(fset *token.FileSet, obj types.Object) bool {
	return InGOROOT(fset.Position(obj.Pos()).Filename)
}

// InGOROOT reports whether the file is one of the standard library's.
func InGOROOT(name string) bool {
	name = filepath.ToSlash(name)
	if strings.HasPrefix(name, "$GOROOT/src/") {
		return true // export data of a -trimpath build
	}
	root := filepath.ToSlash(build.Default.GOROOT)
	return root != "" && strings.HasPrefix(name, root+"/src/")
}

// Imports reports whether pkg imports path directly.
func Imports(pkg *types.Package, path string) bool {
	for _, imp := range pkg.Imports() {
		if imp.Path() == path {
			return true
		}
	}
	return false
}

// ImportsHTTP reports whether the analysis of pkg can find anything at all:
// it must import net/http itself or a package that does.
func ImportsHTTP(pkg *types.Package) bool {
	if pkg.Path() == "net/http" {
		return true
	}
	for _, imp := range pkg.Imports() {
		if imp.Path() == "net/http" || Imports(imp, "net/http") {
			return true
		}
	}
	return false
}

// IsFunc reports whether obj is the package-level function pkg.name.
func IsFunc(obj types.Object, pkg string, names ...string) bool {
	fn, ok := obj.(*types.Func)
	if !ok || fn == nil || fn.Pkg() == nil || fn.Pkg().Path() != pkg {
		return false
	}
	if sig := fn.Signature(); sig.Recv() != nil {
		return false
	}
	for _, name := range names {
		if fn.Name() == name {
			return true
		}
	}
	return false
}

// IsMethod reports whether obj is the method recvType.name declared in pkg
// (recvType is the bare type name, pointer or not, or an interface name).
func IsMethod(obj types.Object, pkg, recvType string, names ...string) bool {
	fn, ok := obj.(*types.Func)
	if !ok || fn == nil || fn.Pkg() == nil || fn.Pkg().Path() != pkg {
		return false
	}
	recv := fn.Signature().Recv()
	if recv == nil {
		return false
	}
	if !IsNamed(recv.Type(), pkg, recvType) {
		return false
	}
	for _, name := range names {
		if fn.Name() == name {
			return true
		}
	}
	return false
}

// IsNamed reports whether t, or the type it points to, is the named type
// pkg.name.
func IsNamed(t types.Type, pkg, name string) bool {
	if p, ok := types.Unalias(t).(*types.Pointer); ok {
		t = p.Elem()
	}
	n, ok := types.Unalias(t).(*types.Named)
	if !ok {
		return false
	}
	obj := n.Obj()
	return obj.Pkg() != nil && obj.Pkg().Path() == pkg && obj.Name() == name
}

// Callee returns the function or method a call invokes statically, or the
// *types.Var of a called func value, or nil.
func Callee(info *types.Info, call *ast.CallExpr) types.Object {
	return typeutil.Callee(info, call)
}

// CalleeIs reports whether call invokes the package-level function pkg.name.
func CalleeIs(info *types.Info, call *ast.CallExpr, pkg string, names ...string) bool {
	return IsFunc(typeutil.Callee(info, call), pkg, names...)
}

// MethodIs reports whether call invokes the method recvType.name of pkg.
func MethodIs(info *types.Info, call *ast.CallExpr, pkg, recvType string, names ...string) bool {
	return IsMethod(typeutil.Callee(info, call), pkg, recvType, names...)
}

// httpPackage finds net/http among pkg's imports (or pkg itself).
func httpPackage(pkg *types.Package) *types.Package {
	if pkg.Path() == "net/http" {
		return pkg
	}
	for _, imp := range pkg.Imports() {
		if imp.Path() == "net/http" {
			return imp
		}
		for _, imp2 := range imp.Imports() {
			if imp2.Path() == "net/http" {
				return imp2
			}
		}
	}
	return nil
}

// Symbols holds the net/http types a pass needs, looked up once.
type Symbols struct {
	Handler        *types.Interface // http.Handler
	ResponseWriter *types.Interface // http.ResponseWriter
	Request        types.Type       // *http.Request

	access map[types.Type]bool // WriterAccess, memoized
}

// Lookup returns the net/http symbols visible to pkg, or nil when pkg
// cannot reach net/http (then it cannot serve HTTP either).
func Lookup(pkg *types.Package) *Symbols {
	http := httpPackage(pkg)
	if http == nil {
		return nil
	}
	iface := func(name string) *types.Interface {
		obj, _ := http.Scope().Lookup(name).(*types.TypeName)
		if obj == nil {
			return nil
		}
		it, _ := obj.Type().Underlying().(*types.Interface)
		return it
	}
	req, _ := http.Scope().Lookup("Request").(*types.TypeName)
	s := &Symbols{Handler: iface("Handler"), ResponseWriter: iface("ResponseWriter")}
	if req != nil {
		s.Request = types.NewPointer(req.Type())
	}
	if s.Handler == nil || s.ResponseWriter == nil || s.Request == nil {
		return nil
	}
	return s
}

// IsHandler reports whether a value of type t can serve HTTP: it implements
// http.Handler or is a func(http.ResponseWriter, *http.Request).
func (s *Symbols) IsHandler(t types.Type) bool {
	if t == nil {
		return false
	}
	if types.Implements(t, s.Handler) {
		return true
	}
	if _, ok := types.Unalias(t).Underlying().(*types.Interface); !ok && types.Implements(types.NewPointer(t), s.Handler) {
		return true
	}
	sig, ok := t.Underlying().(*types.Signature)
	return ok && s.IsHandlerSig(sig)
}

// IsHandlerSig reports whether sig is func(http.ResponseWriter, *http.Request).
func (s *Symbols) IsHandlerSig(sig *types.Signature) bool {
	if sig.Params().Len() != 2 || sig.Results().Len() != 0 {
		return false
	}
	return s.IsResponseWriter(sig.Params().At(0).Type()) &&
		types.Identical(sig.Params().At(1).Type(), s.Request)
}

// IsResponseWriter reports whether t is http.ResponseWriter itself.
func (s *Symbols) IsResponseWriter(t types.Type) bool {
	return IsNamed(t, "net/http", "ResponseWriter")
}

// IsRequest reports whether t is *http.Request.
func (s *Symbols) IsRequest(t types.Type) bool {
	return types.Identical(t, s.Request)
}

// Where formats pos as "file.go:line", short and stable across machines,
// for messages and facts (a token.Pos cannot cross packages in facts). A
// file of a dependency is named by where it lives instead, so that a
// reader can find it: "module@version/dir/file.go:line" in the module
// cache, "net/http/file.go:line" in GOROOT, the path under vendor/.
func Where(fset *token.FileSet, pos token.Pos) string {
	if !pos.IsValid() {
		return ""
	}
	p := fset.Position(pos)
	return depPath(p.Filename) + ":" + strconv.Itoa(p.Line)
}

// depPath shortens a file name as Where does.
func depPath(name string) string {
	slash := filepath.ToSlash(name)
	if cache := os.Getenv("GOMODCACHE"); cache != "" {
		// A module cache set apart from GOPATH (GOMODCACHE=/cache).
		if rel, err := filepath.Rel(cache, name); err == nil && filepath.IsLocal(rel) {
			return filepath.ToSlash(rel)
		}
	}
	if i := strings.LastIndex(slash, "/pkg/mod/"); i >= 0 && strings.Contains(slash[i:], "@") {
		return slash[i+len("/pkg/mod/"):]
	}
	if i := strings.LastIndex(slash, "/vendor/"); i >= 0 {
		return slash[i+len("/vendor/"):]
	}
	if root := build.Default.GOROOT; root != "" {
		if rel, err := filepath.Rel(filepath.Join(root, "src"), name); err == nil && filepath.IsLocal(rel) {
			return filepath.ToSlash(rel)
		}
	}
	return filepath.Base(name)
}

// Unparen strips parentheses.
func Unparen(e ast.Expr) ast.Expr { return ast.Unparen(e) }

// Report is pass.Report that skips test files, generated files, whose
// authors cannot act on a finding (unless IncludeGenerated), and findings silenced on
// purpose with a comment
//
//	//streamvet:ignore <reason>
//
// on the reported line or the line above it. A directive without a reason
// silences nothing: the reason is what the next reader needs. The
// directive check reports such directives, and those that silence nothing.
func Report(pass *analysis.Pass, d analysis.Diagnostic) {
	if f := FileOf(pass, d.Pos); f != nil && (Generated(f) || ignored(pass.Fset, f, d.Pos)) {
		return
	}
	if strings.HasSuffix(pass.Fset.File(d.Pos).Name(), "_test.go") {
		// Tests set short timeouts and recover panics on purpose, to
		// provoke and observe failures; they serve no client.
		return
	}
	pass.Report(d)
}

// ExtractDoc returns the "# Analyzer name" section of a doc.go file's
// package comment, without the leading "name: " of its summary line, as
// golang.org/x/tools does for its own passes. It panics when the section
// is missing: that is a programming error caught by any test.
func ExtractDoc(src, name string) string {
	var lines []string
	for _, line := range strings.Split(src, "\n") {
		if strings.HasPrefix(line, "package ") {
			break
		}
		line = strings.TrimPrefix(line, "//")
		line = strings.TrimPrefix(line, " ")
		lines = append(lines, line)
	}
	text := strings.Join(lines, "\n")
	heading := "# Analyzer " + name + "\n"
	i := strings.Index(text, heading)
	if i < 0 {
		panic("doc.go has no section " + strings.TrimSpace(heading))
	}
	text = text[i+len(heading):]
	if j := strings.Index(text, "\n# "); j >= 0 {
		text = text[:j]
	}
	text = strings.TrimSpace(text)
	text = strings.TrimPrefix(text, name+": ")
	return text
}

// Returns lists the return statements of a function body, not those of
// nested function literals.
func Returns(body *ast.BlockStmt) []*ast.ReturnStmt {
	var list []*ast.ReturnStmt
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.ReturnStmt:
			list = append(list, n)
		}
		return true
	})
	return list
}

// FileOf returns the file of pass that holds pos, or nil.
func FileOf(pass *analysis.Pass, pos token.Pos) *ast.File {
	for _, f := range pass.Files {
		if f.FileStart <= pos && pos <= f.FileEnd {
			return f
		}
	}
	return nil
}
