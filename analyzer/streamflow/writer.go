package streamflow

// The ResponseWriter a handler gets: whether a deadline clear whose error
// is ignored takes effect (nothing wraps the server's own writer), and
// helpers that flush it.

import (
	"go/ast"
	"go/token"
	"go/types"

	"github.com/streamvet/streamvet/analyzer/internal/httpsym"
)

// wrapped is s behind code that may wrap the ResponseWriter: a deadline
// clear whose error is ignored may fail there.
func (s *Stream) wrapped() *Stream {
	if s == nil || s.Unwrapped == 0 {
		return s
	}
	c := *s
	c.Unwrapped = 0
	return &c
}

func (f flow) wrapped() flow {
	f.s = f.s.wrapped()
	return f
}

// flushHelper reports whether fn, declared in this package, flushes the
// response on every call: a Flush among the statements of its body.
func (a *state) flushHelper(fn *types.Func) bool {
	fn = fn.Origin()
	decl := a.decls[fn]
	if decl == nil {
		return false
	}
	key := flushKey{fn}
	if done, ok := a.flushers[fn]; ok {
		return done
	}
	if a.busy[key] {
		return false
	}
	a.busy[key] = true
	defer delete(a.busy, key)
	flushes := false
	for _, stmt := range decl.Body.List {
		var x ast.Expr
		switch st := stmt.(type) {
		case *ast.ExprStmt:
			x = st.X
		case *ast.AssignStmt:
			if len(st.Rhs) == 1 {
				x = st.Rhs[0] // _ = rc.Flush(), err := flush(w)
			}
		}
		call, ok := ast.Unparen(x).(*ast.CallExpr)
		if !ok {
			continue
		}
		callee, _ := httpsym.Callee(a.pass.TypesInfo, call).(*types.Func)
		if a.isFlush(call, callee) || callee != nil && callee.Pkg() == a.pass.Pkg && a.flushHelper(callee) {
			flushes = true
			break
		}
	}
	a.flushers[fn] = flushes
	return flushes
}

type flushKey struct{ fn *types.Func }

// Flushes is the fact that a function or method flushes the response it
// writes (an event writer's WriteData: write, then Flush the writer it
// holds): called in a loop by a handler, it makes a Flush loop.
type Flushes struct{}

func (*Flushes) AFact() {}

func (*Flushes) String() string { return "flushes the response" }

// flushes reports whether calling fn flushes the response: a flush
// helper of this package, or a function with the Flushes fact.
func (a *state) flushes(fn *types.Func) bool {
	if fn.Pkg() == a.pass.Pkg {
		return a.flushHelper(fn)
	}
	return fn.Pkg() != nil && a.pass.ImportObjectFact(fn.Origin(), new(Flushes))
}

// passing is what a handler call passes on: the callee's stream, behind
// a wrapper unless the call hands on the writer it got.
func (a *state) passing(call *ast.CallExpr, f flow) flow {
	for _, arg := range call.Args {
		if a.ownWriter(arg) {
			return f
		}
	}
	return f.wrapped()
}

// ownWriter reports whether e is the http.ResponseWriter parameter of
// the handler it is used in, never reassigned.
func (a *state) ownWriter(e ast.Expr) bool {
	id, ok := ast.Unparen(e).(*ast.Ident)
	if !ok {
		return false
	}
	v, ok := a.pass.TypesInfo.Uses[id].(*types.Var)
	return ok && a.params[v] && httpsym.IsNamed(v.Type(), "net/http", "ResponseWriter") && len(a.assigns[v]) == 0
}

// controllerWriter returns the writer that the ResponseController whose
// method call is made was created for, or nil:
// http.NewResponseController(w).SetWriteDeadline(t), or rc.SetWriteDeadline(t)
// after rc := http.NewResponseController(w).
func (a *state) controllerWriter(call *ast.CallExpr) ast.Expr {
	info := a.pass.TypesInfo
	sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	if !ok {
		return nil
	}
	recv := ast.Unparen(sel.X)
	if v := a.varOf(recv); v != nil && len(a.assigns[v]) == 1 {
		recv = ast.Unparen(a.assigns[v][0])
	}
	if c, ok := recv.(*ast.CallExpr); ok && httpsym.CalleeIs(info, c, "net/http", "NewResponseController") && len(c.Args) == 1 {
		return c.Args[0]
	}
	return nil
}

// fromWriter reports whether the value of e writes to the ResponseWriter:
// the writer itself, a writer type whose fields reach it (a
// flushWriter{w} whose Write writes and flushes), or a writer built
// around one (bufio.NewWriter(w), io.MultiWriter(w, h), gzip.NewWriter(w),
// &flushWriter{w: w}), directly or through a local variable. Copying a
// large body into such a writer streams the response as copying into w
// does.
func (a *state) fromWriter(e ast.Expr) bool { return a.fromWriterDepth(e, 0) }

func (a *state) fromWriterDepth(e ast.Expr, depth int) bool {
	if e == nil || depth > 4 {
		return false
	}
	info := a.pass.TypesInfo
	t := info.TypeOf(e)
	if t == nil {
		return false
	}
	if a.isResponseWriter(e) {
		return true
	}
	if isWriter(t) && a.writerAccess(e) {
		return true // a writer type holding the ResponseWriter
	}
	switch x := ast.Unparen(e).(type) {
	case *ast.Ident:
		v := a.varOf(x)
		if v == nil || v.IsField() {
			return false
		}
		for _, rhs := range a.assigns[v] {
			if a.fromWriterDepth(rhs, depth+1) {
				return true
			}
		}
	case *ast.UnaryExpr:
		if x.Op == token.AND {
			return a.fromWriterDepth(x.X, depth+1)
		}
	case *ast.CompositeLit:
		if !isWriter(t) && !isWriter(types.NewPointer(t)) {
			return false
		}
		for _, elt := range x.Elts {
			if kv, ok := elt.(*ast.KeyValueExpr); ok {
				elt = kv.Value
			}
			if a.fromWriterDepth(elt, depth+1) {
				return true
			}
		}
	case *ast.CallExpr:
		if tv, ok := info.Types[x.Fun]; ok && tv.IsType() && len(x.Args) == 1 {
			return a.fromWriterDepth(x.Args[0], depth+1) // a conversion
		}
		if !isWriter(t) {
			return false // the result writes nowhere: a hash, a count
		}
		for _, arg := range x.Args {
			if a.fromWriterDepth(arg, depth+1) {
				return true
			}
		}
	}
	return false
}

// isWriter reports whether t has io.Writer's Write method.
func isWriter(t types.Type) bool {
	obj, _, _ := types.LookupFieldOrMethod(t, true, nil, "Write")
	fn, ok := obj.(*types.Func)
	if !ok {
		return false
	}
	sig := fn.Signature()
	if sig.Params().Len() != 1 || sig.Results().Len() != 2 {
		return false
	}
	s, ok := sig.Params().At(0).Type().(*types.Slice)
	if !ok {
		return false
	}
	b, ok := s.Elem().(*types.Basic)
	return ok && b.Kind() == types.Byte
}

// downloadContent reports whether content, served by http.ServeContent,
// can be of any size: an *os.File, or a reader of a store (an object of
// any type but in-memory readers and the files of an http.FileSystem,
// which are the program's static assets).
func (a *state) downloadContent(content ast.Expr) bool {
	t := a.pass.TypesInfo.TypeOf(content)
	if t == nil {
		return false
	}
	if httpsym.IsNamed(t, "os", "File") {
		return true
	}
	for _, mem := range [][2]string{{"bytes", "Reader"}, {"strings", "Reader"}, {"bytes", "Buffer"}, {"net/http", "File"}, {"io/fs", "File"}} {
		if httpsym.IsNamed(t, mem[0], mem[1]) {
			return false
		}
	}
	if a.assetFile(content) {
		return false
	}
	return !a.inMemoryValue(content, 0)
}

// assetFile reports whether e is a file of a file system asserted to a
// reader (ff, ok := f.(io.ReadSeeker) after f, _ := fsys.Open(name)): an
// fs.File or http.File, an asset like the file itself.
func (a *state) assetFile(e ast.Expr) bool {
	info := a.pass.TypesInfo
	v := a.varOf(e)
	if v == nil || v.IsField() || len(a.assigns[v]) == 0 {
		return false
	}
	for _, rhs := range a.assigns[v] {
		ta, ok := ast.Unparen(rhs).(*ast.TypeAssertExpr)
		if !ok {
			return false
		}
		t := info.TypeOf(ta.X)
		if !httpsym.IsNamed(t, "io/fs", "File") && !httpsym.IsNamed(t, "net/http", "File") {
			return false
		}
	}
	return true
}

// inMemoryValue reports whether e is made from memory: bytes.NewReader,
// strings.NewReader, directly or through a local variable.
func (a *state) inMemoryValue(e ast.Expr, depth int) bool {
	if depth > 4 {
		return false
	}
	info := a.pass.TypesInfo
	switch x := ast.Unparen(e).(type) {
	case *ast.Ident:
		v := a.varOf(x)
		if v == nil || v.IsField() || len(a.assigns[v]) == 0 {
			return false
		}
		for _, rhs := range a.assigns[v] {
			if !a.inMemoryValue(rhs, depth+1) {
				return false
			}
		}
		return true
	case *ast.CallExpr:
		if tv, ok := info.Types[x.Fun]; ok && tv.IsType() && len(x.Args) == 1 {
			return a.inMemoryValue(x.Args[0], depth+1)
		}
		return httpsym.CalleeIs(info, x, "bytes", "NewReader", "NewBuffer", "NewBufferString") || httpsym.CalleeIs(info, x, "strings", "NewReader")
	}
	return false
}

// contentDir reports whether root, the file system of http.FileServer,
// is a directory named by configuration (http.Dir(cfg.Uploads),
// os.DirFS(dataDir)) rather than the program's own assets (a constant
// directory, an embed.FS, fs.Sub of one).
func (a *state) contentDir(root ast.Expr) bool {
	info := a.pass.TypesInfo
	call, ok := ast.Unparen(root).(*ast.CallExpr)
	if !ok || len(call.Args) != 1 {
		return false
	}
	if tv, ok := info.Types[call.Fun]; ok && tv.IsType() && httpsym.IsNamed(tv.Type, "net/http", "Dir") {
		return a.configuredPath(call.Args[0], 0) // http.Dir(path)
	}
	if httpsym.CalleeIs(info, call, "os", "DirFS") {
		return a.configuredPath(call.Args[0], 0)
	}
	if httpsym.CalleeIs(info, call, "net/http", "FS") {
		return a.contentDir(call.Args[0]) // http.FS(os.DirFS(dir))
	}
	return false
}

// configuredPath reports whether the path e names a directory of the
// users' data: it mentions a variable, field or parameter (not a
// constant, not the request) that the program also writes files under
// (uploads saved to cfg.DataDir and served from it). A directory from
// configuration that the program only reads may be its built assets.
func (a *state) configuredPath(e ast.Expr, depth int) bool {
	if depth > 4 {
		return false
	}
	info := a.pass.TypesInfo
	if info.Types[e].Value != nil {
		return false
	}
	written := a.writtenDirs()
	found := false
	ast.Inspect(e, func(n ast.Node) bool {
		if found {
			return false
		}
		switch n := n.(type) {
		case *ast.SelectorExpr:
			if t := info.TypeOf(n.X); t != nil && a.sym.IsRequest(t) || isRequestURL(info, n.X, a) {
				return false // r.URL.Path: the request picks a file, not the directory
			}
		case *ast.Ident:
			v, ok := info.Uses[n].(*types.Var)
			if !ok || a.sym.IsRequest(v.Type()) {
				return true
			}
			if written[v] {
				found = true
				return false
			}
			if !v.IsField() && v.Parent() != a.pass.Pkg.Scope() && len(a.assigns[v]) > 0 {
				for _, rhs := range a.assigns[v] {
					if a.configuredPath(rhs, depth+1) {
						found = true
					}
				}
				return false
			}
		}
		return true
	})
	return found
}

// writtenDirs returns the variables, fields and parameters that name the
// place of files the package writes: the path arguments of os.Create,
// OpenFile, WriteFile, Mkdir, MkdirAll, CreateTemp, MkdirTemp and the
// destination of os.Rename.
func (a *state) writtenDirs() map[types.Object]bool {
	if a.written != nil {
		return a.written
	}
	info := a.pass.TypesInfo
	a.written = make(map[types.Object]bool)
	var mark func(e ast.Expr, depth int)
	mark = func(e ast.Expr, depth int) {
		ast.Inspect(e, func(n ast.Node) bool {
			id, ok := n.(*ast.Ident)
			if !ok {
				return true
			}
			v, ok := info.Uses[id].(*types.Var)
			if !ok || a.sym.IsRequest(v.Type()) || a.written[v] {
				return true
			}
			a.written[v] = true
			if depth < 4 && !v.IsField() {
				for _, rhs := range a.assigns[v] {
					mark(rhs, depth+1) // p := filepath.Join(cfg.Dir, name): cfg.Dir too
				}
			}
			return true
		})
	}
	for _, f := range a.pass.Files {
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) == 0 {
				return true
			}
			switch {
			case httpsym.CalleeIs(info, call, "os", "Create", "OpenFile", "WriteFile", "Mkdir", "MkdirAll", "CreateTemp", "MkdirTemp"):
				mark(call.Args[0], 0)
			case httpsym.CalleeIs(info, call, "os", "Rename") && len(call.Args) == 2:
				mark(call.Args[1], 0)
			}
			return true
		})
	}
	return a.written
}

// isRequestURL reports whether e is r.URL of an *http.Request.
func isRequestURL(info *types.Info, e ast.Expr, a *state) bool {
	sel, ok := ast.Unparen(e).(*ast.SelectorExpr)
	return ok && sel.Sel.Name == "URL" && a.sym.IsRequest(info.TypeOf(sel.X))
}

// flushedFields returns the ResponseWriter fields that code of this
// package flushes events through: a flush helper called with the field
// (writeEvent(s.t.Response, ev)), or a Flush of it. A handler that stores
// its writer in such a field and then waits serves an event stream that
// other code writes.
func (a *state) flushedFields() map[*types.Var]bool {
	if a.flushedF != nil {
		return a.flushedF
	}
	info := a.pass.TypesInfo
	a.flushedF = make(map[*types.Var]bool)
	mark := func(e ast.Expr) {
		e = ast.Unparen(e)
		if ta, ok := e.(*ast.TypeAssertExpr); ok {
			e = ast.Unparen(ta.X)
		}
		sel, ok := e.(*ast.SelectorExpr)
		if !ok || info.Selections[sel] == nil || info.Selections[sel].Kind() != types.FieldVal {
			return
		}
		if v, ok := info.Selections[sel].Obj().(*types.Var); ok && a.sym.IsResponseWriter(v.Type()) {
			a.flushedF[v] = true
		}
	}
	for _, f := range a.pass.Files {
		ast.Inspect(f, func(n ast.Node) bool {
			if d, ok := n.(*ast.FuncDecl); ok && d.Recv != nil && (d.Name.Name == "Flush" || d.Name.Name == "FlushError") {
				// A writer wrapper's Flush forwarding to the writer it
				// wraps (promhttp's delegators): no events of its own.
				return false
			}
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			fn, _ := httpsym.Callee(info, call).(*types.Func)
			switch {
			case fn != nil && fn.Pkg() == a.pass.Pkg && a.flushHelper(fn):
				for _, arg := range call.Args {
					mark(arg)
				}
			case httpsym.CalleeIs(info, call, "net/http", "NewResponseController") && len(call.Args) == 1:
				mark(call.Args[0])
			case fn != nil && fn.Name() == "Flush":
				if sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr); ok {
					mark(sel.X)
				}
			}
			return true
		})
	}
	return a.flushedF
}

// storedWriter returns the field of a flushed event stream that the node
// stores the handler's own ResponseWriter in (&Transport{Response: w},
// t.Response = w), or nil.
func (a *state) storedWriter(n ast.Node) *types.Var {
	info := a.pass.TypesInfo
	switch n := n.(type) {
	case *ast.KeyValueExpr:
		id, ok := n.Key.(*ast.Ident)
		if !ok || !a.ownWriter(n.Value) {
			return nil
		}
		if v, ok := info.Uses[id].(*types.Var); ok && v.IsField() && a.flushedFields()[v] {
			return v
		}
	case *ast.AssignStmt:
		for i, l := range n.Lhs {
			if i < len(n.Rhs) && len(n.Lhs) == len(n.Rhs) && a.ownWriter(n.Rhs[i]) {
				if sel, ok := ast.Unparen(l).(*ast.SelectorExpr); ok && info.Selections[sel] != nil {
					if v, ok := info.Selections[sel].Obj().(*types.Var); ok && a.flushedFields()[v] {
						return v
					}
				}
			}
		}
	}
	return nil
}
