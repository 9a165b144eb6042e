package writetimeout

import (
	_ "embed"
	"fmt"
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"slices"
	"strconv"
	"time"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/inspect"
	"golang.org/x/tools/go/ast/inspector"

	"github.com/streamvet/streamvet/analyzer/internal/httpsym"
	"github.com/streamvet/streamvet/analyzer/streamflow"
	"github.com/streamvet/streamvet/fixer"
)

//go:embed doc.go
var doc string

func init() { streamflow.ExposeHandlers(Analyzer) }

// Analyzer reports absolute server timeouts that cut streaming handlers.
var Analyzer = &analysis.Analyzer{
	Name:     "writetimeout",
	Doc:      httpsym.ExtractDoc(doc, "writetimeout"),
	URL:      "https://github.com/streamvet/streamvet/blob/main/analyzer/writetimeout/doc.go",
	Requires: []*analysis.Analyzer{inspect.Analyzer, streamflow.Analyzer},
	Run:      run,
	// ServesParam carries servers built around a handler parameter to
	// the calls in other packages.
	FactTypes: []analysis.Fact{new(ServesParam), new(SetsFields), new(RoutesServed), new(PendingKnobs)},
}

// server is one http.Server: its literal, the variable or field that
// holds it, and its settings from the literal and later assignments.
type server struct {
	lit      *ast.CompositeLit
	holder   *types.Var
	declared bool // the holder is declared here as a zero http.Server
	settings map[string]fixer.Setting
	file     *ast.File
	// served is the handler a framework puts on the server when the
	// program sets none: e for e.Server (echo v4), or for e.StartServer(srv).
	served ast.Expr
	// passed is a stream that a call (passedTo) in this package hands to
	// the function that builds this server around its handler parameter.
	passed   ast.Expr
	passedTo *ast.CallExpr
	// quiet are the handlers, streaming nothing in view, that calls in
	// this package hand to that function: routers plugins may fill.
	quiet []ast.Expr
}

var watched = []string{"Handler", "WriteTimeout", "ReadTimeout", "ReadHeaderTimeout", "IdleTimeout"}

func run(pass *analysis.Pass) (any, error) {
	// Fast path: a package that reaches no net/http builds no server and
	// passes no handler to one; it may still set the configuration fields
	// a server elsewhere reads.
	if !httpsym.ImportsHTTP(pass.Pkg) {
		newKnobs(pass)
		return nil, nil
	}
	flows := pass.ResultOf[streamflow.Analyzer].(*streamflow.Result)
	insp := pass.ResultOf[inspect.Analyzer].(*inspector.Inspector)
	info := pass.TypesInfo

	var servers []*server
	byHolder := make(map[*types.Var][]*server)
	owned := make(map[string]*server) // servers held in a field of a handler value, by expression
	for _, file := range pass.Files {
		fc, _ := insp.Root().FindNode(file)
		for c := range fc.Preorder((*ast.CompositeLit)(nil), (*ast.ValueSpec)(nil), (*ast.CallExpr)(nil)) {
			switch n := c.Node().(type) {
			case *ast.CallExpr:
				// srv := new(http.Server): a zero server configured by assignments.
				id, ok := ast.Unparen(n.Fun).(*ast.Ident)
				if !ok || len(n.Args) != 1 || !isServer(info.TypeOf(n.Args[0])) {
					continue
				}
				if b, ok := info.Uses[id].(*types.Builtin); !ok || b.Name() != "new" {
					continue
				}
				if v := holderOf(info, c); v != nil {
					s := &server{holder: v, declared: true, settings: make(map[string]fixer.Setting), file: file}
					servers = append(servers, s)
					byHolder[v] = append(byHolder[v], s)
				}
			case *ast.CompositeLit:
				if !isServer(info.TypeOf(n)) {
					continue
				}
				s := &server{lit: n, holder: holderOf(info, c), settings: make(map[string]fixer.Setting), file: file}
				for _, elt := range n.Elts {
					kv, ok := elt.(*ast.KeyValueExpr)
					if id, isID := kv.Key.(*ast.Ident); ok && isID && slices.Contains(watched, id.Name) {
						s.settings[id.Name] = fixer.Setting{Name: id.Name, Node: kv, Value: kv.Value}
					}
				}
				servers = append(servers, s)
				if s.holder != nil {
					byHolder[s.holder] = append(byHolder[s.holder], s)
				}
			case *ast.ValueSpec:
				// var srv http.Server: a zero server configured by assignments.
				if n.Type == nil || len(n.Values) != 0 || !isServer(info.TypeOf(n.Type)) {
					continue
				}
				if _, ptr := info.TypeOf(n.Type).(*types.Pointer); ptr {
					continue // a nil *http.Server is assigned elsewhere
				}
				for _, name := range n.Names {
					if v, ok := info.Defs[name].(*types.Var); ok {
						s := &server{holder: v, declared: true, settings: make(map[string]fixer.Setting), file: file}
						servers = append(servers, s)
						byHolder[v] = append(byHolder[v], s)
					}
				}
			}
		}
	}
	aliases := serverAliases(info, pass.Files, byHolder)
	for _, file := range pass.Files {
		fc, _ := insp.Root().FindNode(file)
		// Settings assigned after construction: srv.WriteTimeout = d.
		for c := range fc.Preorder((*ast.AssignStmt)(nil)) {
			as := c.Node().(*ast.AssignStmt)
			if len(as.Lhs) != 1 || len(as.Rhs) != 1 {
				continue
			}
			sel, ok := as.Lhs[0].(*ast.SelectorExpr)
			if !ok || !slices.Contains(watched, sel.Sel.Name) || !isServer(info.TypeOf(sel.X)) {
				continue
			}
			holder := varOf(info, sel.X)
			if fs := frameworkServer(info, flows, sel.X, file, owned); fs != nil {
				if len(fs.settings) == 0 {
					servers = append(servers, fs)
				}
				fs.settings[sel.Sel.Name] = fixer.Setting{Name: sel.Sel.Name, Node: as, Value: as.Rhs[0]}
				continue
			}
			for _, s := range byHolder[holder] {
				if s.file == file || s.holder.IsField() || s.holder.Parent() == pass.Pkg.Scope() {
					s.settings[sel.Sel.Name] = fixer.Setting{Name: sel.Sel.Name, Node: as, Value: as.Rhs[0]}
				}
			}
			for _, s := range aliases[holder] {
				if _, ok := s.settings[sel.Sel.Name]; !ok {
					s.settings[sel.Sel.Name] = fixer.Setting{Name: sel.Sel.Name, Node: as, Value: as.Rhs[0]}
				}
			}
		}
	}

	var calls []*ast.CallExpr
	for c := range insp.Root().Preorder((*ast.CallExpr)(nil)) {
		calls = append(calls, c.Node().(*ast.CallExpr))
	}
	configured, overrides := callbackServers(pass, flows, insp)
	servers = append(servers, configured...)
	k := newKnobs(pass)
	checkParamServers(pass, flows, k, calls, servers, overrides)
	for _, s := range servers {
		if s.served == nil && s.lit != nil {
			s.served = startedBy(info, flows, insp, s)
		}
		check(pass, flows, k, s)
	}
	checkImplementations(pass, flows)
	k.exportPending()
	k.reportPending()
	return nil, nil
}

func check(pass *analysis.Pass, flows *streamflow.Result, k *knobs, s *server) {
	info := pass.TypesInfo
	var stream *streamflow.Stream
	handlerName := "http.DefaultServeMux"
	if h, ok := s.settings["Handler"]; ok && !isDefaultMux(info, h.Value) {
		stream = flows.Handler(h.Value)
		handlerName = describe(h.Value)
		if stream == nil && s.passed != nil {
			stream = flows.Handler(s.passed)
			handlerName = describe(s.passed)
		}
	} else if s.served != nil {
		stream = flows.Handler(s.served)
		handlerName = describe(s.served)
	} else if s.lit != nil || s.declared {
		stream = flows.DefaultMux()
	}
	if stream == nil {
		if h, ok := s.settings["Handler"]; ok {
			exportOpenRoutes(pass, flows, k, s, append([]ast.Expr{h.Value}, s.quiet...))
		}
		return // the handler does not stream: absolute timeouts are fine
	}

	var findings []fixer.Setting
	for _, name := range []string{"ReadTimeout", "WriteTimeout"} {
		set, ok := s.settings[name]
		if !ok || isZero(info, set.Value) {
			continue // unset or constant zero: no deadline
		}
		k.closedUnset = ""
		if k.unset(set.Value) {
			dir := streamflow.Writes
			if name == "ReadTimeout" {
				dir = streamflow.Reads
			}
			if stream.Dir&dir != 0 && stream.Unwrapped&dir == 0 {
				k.pend(name, httpsym.Where(pass.Fset, set.Node.Pos()), stream.For(dir))
			}
			k.closedUnset = ""
			continue // a configuration field the program leaves zero
		}
		dir := streamflow.Writes
		if name == "ReadTimeout" {
			dir = streamflow.Reads
		}
		if stream.Dir&dir == 0 {
			continue // streams the other way only
		}
		if stream.Unwrapped&dir != 0 {
			continue // the handler clears the deadline on the server's own writer
		}
		findings = append(findings, set)
	}
	if len(findings) == 0 {
		return
	}
	removed := func(name string) bool {
		return slices.ContainsFunc(findings, func(f fixer.Setting) bool { return f.Name == name })
	}
	_, readKept := s.settings["ReadTimeout"]
	readKept = readKept && !removed("ReadTimeout")
	var need []fixer.Replacement
	if _, ok := s.settings["ReadHeaderTimeout"]; !ok && !readKept {
		need = append(need, fixer.ReadHeaderTimeout)
	}
	if _, ok := s.settings["IdleTimeout"]; !ok && !readKept {
		need = append(need, fixer.IdleTimeout)
	}
	// The replacements reuse the server's constant ReadTimeout, which
	// net/http applies to headers and idle connections alike; otherwise
	// they take fixed defaults.
	var reuse ast.Expr
	if rt, ok := s.settings["ReadTimeout"]; ok {
		if tv := info.Types[rt.Value]; tv.Value != nil {
			reuse = rt.Value
		}
	}
	withFor := func(f fixer.Setting) []fixer.Replacement {
		// Share the replacements out so that applying every fix adds each
		// once: ReadTimeout becomes ReadHeaderTimeout, WriteTimeout the rest.
		switch {
		case len(findings) == 1:
			return need
		case f.Name == "ReadTimeout":
			return only(need, fixer.ReadHeaderTimeout)
		default:
			return only(need, fixer.IdleTimeout)
		}
	}
	// A literal on one line is rewritten whole, the same fix for each of
	// its findings; a configured value is moved to no other field.
	var literalWith []fixer.Replacement
	oneLine := false
	if s.lit != nil {
		if file := fixer.Open(pass, s.lit.Pos()); file != nil && file.Inline(s.lit, findings) {
			oneLine = true
			for _, f := range findings {
				if kv, ok := f.Node.(*ast.KeyValueExpr); !ok || !slices.Contains(s.lit.Elts, ast.Expr(kv)) {
					oneLine = false
				}
				if tv := info.Types[f.Value]; tv.Value != nil {
					literalWith = append(literalWith, withFor(f)...)
				}
			}
		}
	}
	for _, f := range findings {
		with := withFor(f)
		cause := stream.For(streamflow.Writes)
		if f.Name == "ReadTimeout" {
			cause = stream.For(streamflow.Reads)
		}
		d := analysis.Diagnostic{
			Pos:     f.Node.Pos(),
			End:     f.Node.End(),
			Message: message(info, f, handlerName, cause, stream),
		}
		if s.passedTo != nil && stream != nil && s.passed != nil {
			d.Related = append(d.Related, analysis.RelatedInformation{Pos: s.passedTo.Pos(), Message: "passed to the server here"})
		}
		for _, hop := range cause.Hops {
			d.Related = append(d.Related, analysis.RelatedInformation{Pos: hop.Pos, Message: hop.Msg})
		}
		// The setting's own file: an assignment may be in another file
		// than the server (srv.Config.WriteTimeout = d in a test).
		if file := fixer.Open(pass, f.Node.Pos()); file != nil {
			var fix analysis.SuggestedFix
			var ok bool
			if oneLine {
				fix, ok = fixer.ReplaceInLiteral(file, s.lit, findings, literalWith, reuse)
			} else {
				fix, ok = fixer.ReplaceServerTimeout(file, f, with, reuse)
			}
			if ok {
				d.SuggestedFixes = []analysis.SuggestedFix{fix}
			}
		}
		httpsym.Report(pass, d)
	}
}

// describe names a handler expression briefly: function literals are
// named by kind, not spelled out.
func describe(e ast.Expr) string {
	lit := false
	ast.Inspect(e, func(n ast.Node) bool {
		_, isLit := n.(*ast.FuncLit)
		lit = lit || isLit
		return !lit
	})
	if lit {
		return "the handler literal"
	}
	return types.ExprString(e)
}

func only(list []fixer.Replacement, r fixer.Replacement) []fixer.Replacement {
	if slices.Contains(list, r) {
		return []fixer.Replacement{r}
	}
	return nil
}

func message(info *types.Info, f fixer.Setting, handler string, s, whole *streamflow.Stream) string {
	value := types.ExprString(f.Value)
	if tv := info.Types[f.Value]; tv.Value != nil {
		if d, ok := constant.Int64Val(tv.Value); ok {
			value = time.Duration(d).String()
		}
	}
	// One short sentence of fact and remedy; the why is in doc.go.
	var what, cut, remedy string
	if f.Name == "WriteTimeout" {
		what = "streaming responses"
		cut = "the client gets a truncated response"
		remedy = "remove it and bound streams by inactivity"
	} else {
		what = "streamed request bodies"
		cut = "uploads fail with an i/o timeout"
		remedy = "use ReadHeaderTimeout and bound uploads by inactivity"
	}
	if s.Proxy {
		cut = "the proxy aborts silently"
	}
	msg := fmt.Sprintf("%s (%s) cuts %s of %s (%s): %s; %s", f.Name, value, what, handler, s.Describe(), cut, remedy)
	dir := streamflow.Writes
	if f.Name == "ReadTimeout" {
		dir = streamflow.Reads
	}
	if whole.Uncleared != "" && whole.UnclearedDir&dir != 0 {
		msg += " (" + whole.Uncleared + ")"
	}
	return msg
}

func isServer(t types.Type) bool { return httpsym.IsNamed(t, "net/http", "Server") }

func isDefaultMux(info *types.Info, e ast.Expr) bool {
	e = ast.Unparen(e)
	if id, ok := e.(*ast.Ident); ok && id.Name == "nil" && info.Types[e].IsNil() {
		return true
	}
	if sel, ok := e.(*ast.SelectorExpr); ok {
		if v, ok := info.Uses[sel.Sel].(*types.Var); ok && v.Pkg() != nil && v.Pkg().Path() == "net/http" && v.Name() == "DefaultServeMux" {
			return true
		}
	}
	return false
}

func isZero(info *types.Info, e ast.Expr) bool {
	tv := info.Types[e]
	if tv.Value == nil {
		return false
	}
	switch tv.Value.Kind() {
	case constant.Int, constant.Float, constant.Complex:
		return constant.Sign(tv.Value) == 0
	}
	return false
}

// serverAliases maps the fields that a local server is stored in
// (&ServeEvent{Server: server}, e.Server = server) to the server: a hook
// that gets the event configures it through the field (e.Server.Handler
// = h).
func serverAliases(info *types.Info, files []*ast.File, byHolder map[*types.Var][]*server) map[*types.Var][]*server {
	aliases := make(map[*types.Var][]*server)
	local := func(e ast.Expr) []*server {
		v := varOf(info, e)
		if v == nil || v.IsField() {
			return nil
		}
		return byHolder[v]
	}
	add := func(field *types.Var, e ast.Expr) {
		if field == nil || !field.IsField() {
			return
		}
		for _, s := range local(e) {
			if !slices.Contains(aliases[field], s) {
				aliases[field] = append(aliases[field], s)
			}
		}
	}
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.KeyValueExpr:
				if id, ok := n.Key.(*ast.Ident); ok {
					v, _ := info.Uses[id].(*types.Var)
					add(v, n.Value)
				}
			case *ast.AssignStmt:
				if len(n.Lhs) == len(n.Rhs) {
					for i, l := range n.Lhs {
						add(varOf(info, l), n.Rhs[i])
					}
				}
			}
			return true
		})
	}
	return aliases
}

// holderOf finds the variable or field a server literal is stored in.
func holderOf(info *types.Info, c inspector.Cursor) *types.Var {
	node := c.Node()
	p := c.Parent()
	if u, ok := p.Node().(*ast.UnaryExpr); ok && u.Op == token.AND {
		node, p = u, p.Parent()
	}
	switch pn := p.Node().(type) {
	case *ast.AssignStmt:
		for i, rhs := range pn.Rhs {
			if rhs == node && i < len(pn.Lhs) {
				return varOf(info, pn.Lhs[i])
			}
		}
	case *ast.ValueSpec:
		for i, v := range pn.Values {
			if v == node && i < len(pn.Names) {
				return varOf(info, pn.Names[i])
			}
		}
	case *ast.KeyValueExpr:
		return varOf(info, pn.Key)
	}
	return nil
}

func varOf(info *types.Info, e ast.Expr) *types.Var {
	switch e := ast.Unparen(e).(type) {
	case *ast.Ident:
		v, _ := info.ObjectOf(e).(*types.Var)
		return v
	case *ast.SelectorExpr:
		if sel := info.Selections[e]; sel != nil && sel.Kind() == types.FieldVal {
			return sel.Obj().(*types.Var)
		}
		v, _ := info.Uses[e.Sel].(*types.Var)
		return v
	case *ast.StarExpr:
		return varOf(info, e.X)
	}
	return nil
}

// frameworkServer returns the server held in a field of a handler value,
// x.F where x serves HTTP and F is an *http.Server: echo v4's e.Server,
// which e.Start serves with e as its handler. Assignments to its fields
// configure it; nil when srv is not such a field.
func frameworkServer(info *types.Info, flows *streamflow.Result, srv ast.Expr, file *ast.File, owned map[string]*server) *server {
	sel, ok := ast.Unparen(srv).(*ast.SelectorExpr)
	if !ok || info.Selections[sel] == nil || info.Selections[sel].Kind() != types.FieldVal {
		return nil
	}
	if !flows.IsHandler(info.TypeOf(sel.X)) {
		return nil // a struct of the program's own that holds a server: not served by it
	}
	key := types.ExprString(sel) + "@" + strconv.Itoa(int(file.Pos()))
	if v := varOf(info, sel.X); v != nil {
		key = sel.Sel.Name + "@" + strconv.Itoa(int(v.Pos())) // one server per variable holding the handler
	}
	if s, ok := owned[key]; ok {
		return s
	}
	s := &server{holder: varOf(info, sel), settings: make(map[string]fixer.Setting), file: file, served: sel.X}
	owned[key] = s
	return s
}

// startedBy returns the handler that serves a server literal the program
// gives no Handler: a value whose method is called with the server,
// e.StartServer(srv) in echo v4, which sets srv.Handler = e.
func startedBy(info *types.Info, flows *streamflow.Result, insp *inspector.Inspector, s *server) ast.Expr {
	if _, ok := s.settings["Handler"]; ok {
		return nil
	}
	for c := range insp.Root().Preorder((*ast.CallExpr)(nil)) {
		call := c.Node().(*ast.CallExpr)
		sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
		if !ok || info.Selections[sel] == nil || info.Selections[sel].Kind() != types.MethodVal || !flows.IsHandler(info.TypeOf(sel.X)) {
			continue
		}
		if httpsym.IsNamed(info.TypeOf(sel.X), "net/http", "ServeMux") {
			continue // the standard mux starts no server
		}
		for _, arg := range call.Args {
			arg = ast.Unparen(arg)
			if u, ok := arg.(*ast.UnaryExpr); ok && u.Op == token.AND {
				arg = ast.Unparen(u.X)
			}
			if arg == s.lit || (s.holder != nil && varOf(info, arg) == s.holder) {
				return sel.X
			}
		}
	}
	return nil
}
