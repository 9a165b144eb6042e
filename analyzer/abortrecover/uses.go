package abortrecover

import (
	"go/ast"
	"go/types"
	"slices"
	"strings"

	"github.com/streamvet/streamvet/analyzer/internal/httpsym"
	"golang.org/x/tools/go/analysis"

	"golang.org/x/tools/go/ast/edge"
	"golang.org/x/tools/go/ast/inspector"
)

// beforeNoProxy reports whether the recovering request path u belongs to
// middleware of this package (a function that returns a handler, or a
// wrapper type's ServeHTTP) in a package that cannot reach
// httputil.ReverseProxy, every use of which is known and puts it in front
// of handlers that reach no proxy: the only code that panics with
// http.ErrAbortHandler mid-stream is then absent, and the recover
// swallows nothing. Uses in other packages are checked there, through the
// facts this package exports.
func (c *checker) beforeNoProxy(u *unit) bool {
	if c.streamOf(u).Proxied() != nil {
		return false // it serves a proxy itself
	}
	if c.proxyReachable {
		// A proxy may sit behind it on a path the analysis cannot follow
		// (middleware kept in slices, handlers built in loops).
		return false
	}
	obj := c.middlewareObj(u)
	if obj == nil {
		return false
	}
	if c.openWorld(obj) {
		// A library's exported middleware wraps whatever its users pass,
		// proxies included: its own package's uses say nothing of theirs.
		return false
	}
	reach, known, _ := c.usesReachProxy(obj)
	return known && !reach
}

// openWorld reports whether obj is exported API of a library: exported,
// in a package other modules can import (not main, not under internal/).
// A program's middleware (in main, in internal/, unexported) is judged by
// its uses, every one of which is in view.
func (c *checker) openWorld(obj types.Object) bool {
	return obj.Exported() && !c.ownPackage()
}

// ownPackage reports whether this package is the program's own: main, or
// under internal/, where every use is in view.
func (c *checker) ownPackage() bool {
	return c.pass.Pkg.Name() == "main" || slices.Contains(strings.Split(c.pass.Pkg.Path(), "/"), "internal")
}

// middlewareObj returns the middleware of this package that the request
// path u belongs to: the function whose result it is built in, or the
// wrapper type whose ServeHTTP it is; or nil.
func (c *checker) middlewareObj(u *unit) types.Object {
	switch {
	case u.lit != nil:
		top := u
		for top.outer != nil {
			top = top.outer
		}
		if top.fn == nil || top.sig.Results().Len() != 1 {
			return nil // not built by middleware
		}
		res := top.sig.Results().At(0).Type()
		if sig, ok := res.Underlying().(*types.Signature); !c.handlerLike(res) && !(ok && c.isMiddlewareSig(sig)) {
			return nil // not middleware, nor a factory of it
		}
		return top.fn
	case u.fn != nil && u.fn.Name() == "ServeHTTP" && u.sig.Recv() != nil:
		t := u.sig.Recv().Type()
		if p, ok := t.(*types.Pointer); ok {
			t = p.Elem()
		}
		named, ok := types.Unalias(t).(*types.Named)
		if !ok {
			return nil
		}
		return named.Obj()
	}
	return nil // a handler itself: where it is served decides nothing here
}

// ProxyReachable is the package fact that the package, or a package it
// imports, uses httputil.ReverseProxy: a recover there may stand in front
// of one on a path the analysis cannot follow.
type ProxyReachable struct{}

func (*ProxyReachable) AFact() {}

func (*ProxyReachable) String() string { return "reaches httputil.ReverseProxy" }

// reachesProxy reports whether the package of pass uses
// httputil.ReverseProxy or imports a package that does. Importing
// net/http/httputil alone (for DumpRequest, as gin does) is not enough.
func reachesProxy(pass *analysis.Pass) bool {
	for _, imp := range pass.Pkg.Imports() {
		if imp.Path() != "net/http/httputil" && pass.ImportPackageFact(imp, new(ProxyReachable)) {
			return true
		}
	}
	if !httpsym.Imports(pass.Pkg, "net/http/httputil") {
		return false
	}
	for _, obj := range pass.TypesInfo.Uses {
		if obj.Pkg() != nil && obj.Pkg().Path() == "net/http/httputil" && strings.Contains(obj.Name(), "ReverseProxy") {
			return true
		}
	}
	return false
}

// handlerLike reports whether t serves requests: a handler, or a function
// type of a framework's handlers (gin.HandlerFunc).
func (c *checker) handlerLike(t types.Type) bool {
	if c.sym.IsHandler(t) {
		return true
	}
	sig, ok := t.Underlying().(*types.Signature)
	return ok && c.servesRequest(sig)
}

// usesReachProxy reports whether some use of obj in this package puts it
// in front of a ReverseProxy, and whether every use is understood; at is
// the first use that does.
func (c *checker) usesReachProxy(obj types.Object) (reach, known bool, at ast.Node) {
	known = true
	for _, k := range c.refsOf(obj) {
		if k.ParentEdgeKind() == edge.SelectorExpr_Sel {
			k = k.Parent() // pkg.M
		}
		r, ok := c.useReachesProxy(k)
		if r && at == nil {
			at = k.Node()
		}
		reach = reach || r
		known = known && ok
	}
	return reach, known, at
}

// useReachesProxy judges one use of middleware at k.
func (c *checker) useReachesProxy(k inspector.Cursor) (reach, known bool) {
	p := k.Parent()
	switch n := p.Node().(type) {
	case *ast.CallExpr:
		if k.ParentEdgeKind() == edge.CallExpr_Fun {
			// M(h): M wraps the handlers it is given.
			wraps := false
			for _, arg := range n.Args {
				if t := c.info.TypeOf(arg); t == nil || !c.handlerLike(t) {
					continue
				}
				wraps = true
				if c.isParamOrUnknown(arg) {
					return false, false // whatever the caller passes
				}
				if c.flows.Handler(arg).Proxied() != nil {
					return true, true
				}
			}
			if wraps {
				return false, true
			}
			return c.valueReachesProxy(p) // M(): a factory, judged by where its result goes
		}
	case *ast.CompositeLit:
		// &wrapper{next: h}: the handlers among its fields.
		for _, elt := range n.Elts {
			v := elt
			if kv, ok := elt.(*ast.KeyValueExpr); ok {
				v = kv.Value
			}
			if t := c.info.TypeOf(v); t == nil || !c.handlerLike(t) {
				continue
			}
			if c.isParamOrUnknown(v) {
				return false, false
			}
			if c.flows.Handler(v).Proxied() != nil {
				return true, true
			}
		}
		return false, true
	}
	return c.valueReachesProxy(k)
}

// valueReachesProxy judges a middleware value at k by the router it is
// installed on: r.Use(mw), negroni.New(mw()).
func (c *checker) valueReachesProxy(k inspector.Cursor) (reach, known bool) {
	call, ok := k.Parent().Node().(*ast.CallExpr)
	if !ok || k.ParentEdgeKind() != edge.CallExpr_Args {
		return false, false // returned, stored: used where this package cannot see
	}
	var router ast.Expr
	if sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr); ok && c.info.Selections[sel] != nil {
		router = sel.X
	} else {
		router = assignedTo(k.Parent())
	}
	if router == nil {
		return false, false
	}
	return c.flows.Handler(router).Proxied() != nil, true
}

// isParamOrUnknown reports whether the handler expression e is a
// parameter of the enclosing function, whose streams the caller decides.
func (c *checker) isParamOrUnknown(e ast.Expr) bool {
	id, ok := ast.Unparen(e).(*ast.Ident)
	if !ok {
		return false
	}
	if c.params == nil {
		c.params = make(map[*types.Var]bool)
		for _, u := range c.units {
			for i := range u.sig.Params().Len() {
				c.params[u.sig.Params().At(i)] = true
			}
		}
	}
	v, ok := c.info.Uses[id].(*types.Var)
	return ok && c.params[v]
}
