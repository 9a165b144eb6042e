package writetimeout

import (
	"fmt"
	"go/ast"
	"go/types"
	"slices"

	"golang.org/x/tools/go/analysis"

	"github.com/streamvet/streamvet/analyzer/internal/httpsym"
	"github.com/streamvet/streamvet/analyzer/streamflow"
)

// A server may serve a router that the program hands to plugins through
// an interface method (l.SetupSubrouters(router) for each sublauncher)
// whose implementations live in packages that import the server's: the
// server's package cannot see what they register, and they cannot see the
// server. RoutesServed carries the server's timeouts to them, on the
// interface method; a package that implements it and registers a stream
// on that parameter is reported at its method.

// RoutesServed is the fact that what implementations of an interface
// method register on its parameter Param is served by a server with
// absolute timeouts.
type RoutesServed struct {
	Param    int
	Timeouts []Timeout
}

func (*RoutesServed) AFact() {}

func (f *RoutesServed) String() string {
	s := fmt.Sprintf("routes on arg%d served with", f.Param)
	for _, t := range f.Timeouts {
		s += " " + t.Name + " " + t.Value
	}
	return s
}

// exportOpenRoutes records, for a server whose handler streams nothing
// in view, the timeouts it serves the routers passed to interface methods
// of this package with.
func exportOpenRoutes(pass *analysis.Pass, flows *streamflow.Result, k *knobs, s *server, handlers []ast.Expr) {
	var timeouts []Timeout
	for _, name := range []string{"ReadTimeout", "WriteTimeout"} {
		set, ok := s.settings[name]
		if !ok || isZero(pass.TypesInfo, set.Value) || k.unset(set.Value) {
			continue
		}
		timeouts = append(timeouts, Timeout{
			Name:  name,
			Value: valueString(pass.TypesInfo, set.Value),
			Where: httpsym.Where(pass.Fset, set.Node.Pos()),
		})
	}
	if len(timeouts) == 0 {
		return
	}
	for _, h := range handlers {
		if h == nil {
			continue
		}
		for _, o := range flows.Open(h) {
			var f RoutesServed
			pass.ImportObjectFact(o.Method, &f) // merge with a server seen before
			f.Param = o.Param
			for _, t := range timeouts {
				if !slices.ContainsFunc(f.Timeouts, func(u Timeout) bool { return u.Name == t.Name && u.Where == t.Where }) {
					f.Timeouts = append(f.Timeouts, t)
				}
			}
			pass.ExportObjectFact(o.Method, &f)
		}
	}
}

// checkImplementations reports the methods of this package that
// implement an interface method of a direct import carrying RoutesServed
// and register a stream on that parameter.
func checkImplementations(pass *analysis.Pass, flows *streamflow.Result) {
	type served struct {
		method *types.Func
		iface  *types.Interface
		fact   RoutesServed
	}
	var methods []served
	for _, imp := range pass.Pkg.Imports() {
		scope := imp.Scope()
		for _, name := range scope.Names() {
			tn, ok := scope.Lookup(name).(*types.TypeName)
			if !ok {
				continue
			}
			iface, ok := tn.Type().Underlying().(*types.Interface)
			if !ok {
				continue
			}
			for m := range iface.Methods() {
				var f RoutesServed
				if pass.ImportObjectFact(m, &f) {
					methods = append(methods, served{m, iface, f})
				}
			}
		}
	}
	if len(methods) == 0 {
		return
	}
	scope := pass.Pkg.Scope()
	for _, name := range scope.Names() {
		tn, ok := scope.Lookup(name).(*types.TypeName)
		if !ok || tn.IsAlias() || types.IsInterface(tn.Type()) {
			continue
		}
		for _, sv := range methods {
			var impl *types.Func
			for _, t := range []types.Type{tn.Type(), types.NewPointer(tn.Type())} {
				if types.Implements(t, sv.iface) {
					obj, _, _ := types.LookupFieldOrMethod(t, true, pass.Pkg, sv.method.Name())
					impl, _ = obj.(*types.Func)
					break
				}
			}
			if impl == nil || impl.Pkg() != pass.Pkg {
				continue
			}
			s := flows.Registered(impl, sv.fact.Param)
			if s == nil {
				continue
			}
			for _, t := range sv.fact.Timeouts {
				dir := streamflow.Writes
				what := "streaming responses"
				if t.Name == "ReadTimeout" {
					dir, what = streamflow.Reads, "streamed request bodies"
				}
				if s.Dir&dir == 0 || s.Unwrapped&dir != 0 {
					continue
				}
				cause := s.For(dir)
				d := analysis.Diagnostic{
					Pos: impl.Pos(),
					End: impl.Pos() + 1,
					Message: fmt.Sprintf("%s registers a stream (%s) on the router that a server serves with %s (%s, %s), which cuts %s; remove that timeout and bound streams by inactivity",
						impl.Name(), cause.Describe(), t.Name, t.Value, t.Where, what),
				}
				for _, hop := range cause.Hops {
					d.Related = append(d.Related, analysis.RelatedInformation{Pos: hop.Pos, Message: hop.Msg})
				}
				httpsym.Report(pass, d)
			}
		}
	}
}
