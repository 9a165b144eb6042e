package timeouthandler

import (
	_ "embed"
	"fmt"
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"strconv"
	"time"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/inspect"
	"golang.org/x/tools/go/ast/inspector"
	"golang.org/x/tools/go/types/typeutil"

	"github.com/streamvet/streamvet/analyzer/internal/httpsym"
	"github.com/streamvet/streamvet/analyzer/streamflow"
	"github.com/streamvet/streamvet/fixer"
)

//go:embed doc.go
var doc string

func init() { streamflow.ExposeHandlers(Analyzer) }

// Analyzer reports http.TimeoutHandler around streaming handlers.
var Analyzer = &analysis.Analyzer{
	Name:      "timeouthandler",
	Doc:       httpsym.ExtractDoc(doc, "timeouthandler"),
	URL:       "https://github.com/streamvet/streamvet/blob/main/analyzer/timeouthandler/doc.go",
	Requires:  []*analysis.Analyzer{inspect.Analyzer, streamflow.Analyzer},
	Run:       run,
	FactTypes: []analysis.Fact{new(Buffers)},
}

// Buffers is the fact that a function wraps the handler passed as its
// argument Param in http.TimeoutHandler.
type Buffers struct {
	Param   int
	Timeout string // the deadline, "30s" or the expression
	Where   string
}

func (*Buffers) AFact() {}

func (f *Buffers) String() string {
	return fmt.Sprintf("wraps arg%d in http.TimeoutHandler (%s)", f.Param, f.Timeout)
}

// finding is one streaming handler served through a TimeoutHandler.
type finding struct {
	site    *ast.CallExpr // the TimeoutHandler call, or the wrapper's call
	inner   ast.Expr      // the streaming handler
	stream  *streamflow.Stream
	timeout string
	through string // the wrapper's name and where it wraps, when site is a wrapper's call
	via     []analysis.RelatedInformation
	cur     inspector.Cursor
}

// wrapper is a function that wraps its parameter in a TimeoutHandler.
type wrapper struct {
	fn      types.Object
	param   int
	call    *ast.CallExpr
	timeout string
}

func run(pass *analysis.Pass) (any, error) {
	// Fast path: a package that cannot reach net/http wraps no handler.
	if !httpsym.ImportsHTTP(pass.Pkg) {
		return nil, nil
	}
	insp := pass.ResultOf[inspect.Analyzer].(*inspector.Inspector)
	flows := pass.ResultOf[streamflow.Analyzer].(*streamflow.Result)
	info := pass.TypesInfo

	var findings []*finding
	var wrappers []wrapper
	for cur := range insp.Root().Preorder((*ast.CallExpr)(nil)) {
		call := cur.Node().(*ast.CallExpr)
		fn, _ := typeutil.Callee(info, call).(*types.Func)
		if fn == nil {
			continue
		}
		if httpsym.IsFunc(fn, "net/http", "TimeoutHandler") && len(call.Args) == 3 {
			inner := call.Args[0]
			timeout := duration(info, call.Args[1])
			if s := flows.Handler(inner); s != nil {
				findings = append(findings, &finding{site: call, inner: inner, stream: s, timeout: timeout, cur: cur})
				continue
			}
			w, param, _ := httpsym.ParamOf(info, cur, inner)
			if w == nil {
				continue // the wrapped handler does not stream
			}
			wrappers = append(wrappers, wrapper{w, param, call, timeout})
			continue
		}
		// A wrapper from another package, known by its fact.
		var b Buffers
		if fn.Pkg() == nil || fn.Pkg() == pass.Pkg || !pass.ImportObjectFact(fn, &b) || b.Param >= len(call.Args) {
			continue
		}
		arg := call.Args[b.Param]
		if s := flows.Handler(arg); s != nil {
			findings = append(findings, &finding{site: call, inner: arg, stream: s, timeout: b.Timeout,
				through: types.ExprString(call.Fun) + " (" + b.Where + ")", cur: cur})
		}
	}
	exported := make(map[types.Object]bool)
	for _, w := range wrappers {
		if fn, ok := w.fn.(*types.Func); ok && !exported[fn] {
			exported[fn] = true
			pass.ExportObjectFact(fn, &Buffers{Param: w.param, Timeout: w.timeout, Where: httpsym.Where(pass.Fset, w.call.Pos())})
		}
		for _, site := range httpsym.CallsTo(insp, info, w.fn) {
			call := site.Node().(*ast.CallExpr)
			if w.param >= len(call.Args) {
				continue
			}
			arg := call.Args[w.param]
			s := flows.Handler(arg)
			if s == nil {
				continue // this caller wraps a handler that does not stream: keep its timeout
			}
			findings = append(findings, &finding{site: call, inner: arg, stream: s, timeout: w.timeout,
				through: w.fn.Name() + " (" + httpsym.Where(pass.Fset, w.call.Pos()) + ")",
				via:     []analysis.RelatedInformation{{Pos: w.call.Pos(), Message: w.fn.Name() + " wraps its handler in http.TimeoutHandler here"}},
				cur:     site})
		}
	}
	fixes := suggest(pass, findings)
	for _, f := range findings {
		d := analysis.Diagnostic{Pos: f.site.Pos(), End: f.site.End(), Message: message(f)}
		d.Related = append(d.Related, f.via...)
		for _, hop := range f.stream.Hops {
			d.Related = append(d.Related, analysis.RelatedInformation{Pos: hop.Pos, Message: hop.Msg})
		}
		if fix, ok := fixes[f]; ok {
			d.SuggestedFixes = []analysis.SuggestedFix{fix}
		}
		httpsym.Report(pass, d)
	}
	return nil, nil
}

func message(f *finding) string {
	name := types.ExprString(f.inner)
	wrap := "http.TimeoutHandler"
	if f.through != "" {
		wrap = f.through + ", an http.TimeoutHandler,"
	}
	// One short sentence of fact and remedy; the why is in doc.go.
	if f.stream.Dir&streamflow.Writes == 0 {
		return fmt.Sprintf("%s ends the upload read by %s (%s) with a 503 after %s: serve it unwrapped, bounded by inactivity", wrap, name, f.stream.Describe(), f.timeout)
	}
	return fmt.Sprintf("%s buffers the whole response of %s (%s) and drops a stream longer than %s for a 503: serve it unwrapped", wrap, name, f.stream.Describe(), f.timeout)
}

// duration renders a deadline: "30s" for a constant, else the expression.
func duration(info *types.Info, e ast.Expr) string {
	if tv := info.Types[e]; tv.Value != nil {
		if d, ok := constant.Int64Val(tv.Value); ok {
			return time.Duration(d).String()
		}
	}
	return types.ExprString(e)
}

// suggest builds the unwrapping fixes, file by file, so that applying all
// of them in a file leaves no unused import or variable behind.
func suggest(pass *analysis.Pass, findings []*finding) map[*finding]analysis.SuggestedFix {
	info := pass.TypesInfo
	fixes := make(map[*finding]analysis.SuggestedFix)
	byFile := make(map[*ast.File][]*finding)
	var files []*ast.File
	for _, f := range findings {
		file := httpsym.FileOf(pass, f.site.Pos())
		if file == nil {
			continue
		}
		if byFile[file] == nil {
			files = append(files, file)
		}
		byFile[file] = append(byFile[file], f)
	}
	for _, file := range files {
		ff := fixer.Open(pass, file.Pos())
		if ff == nil {
			continue // the source cannot be read: no fix
		}
		var list []fixer.Unwrap
		var kept []*finding
		for _, f := range byFile[file] {
			conv, ok := conversion(info, file, f)
			if !ok {
				continue // the unwrapped handler would change a variable's type
			}
			u := fixer.Unwrap{Site: f.site, Inner: f.inner, Conv: conv, Message: fixMessage(f)}
			if as, ok := f.cur.Parent().Node().(*ast.AssignStmt); ok && as.Tok == token.ASSIGN && len(as.Lhs) == 1 &&
				sameVar(info, as.Lhs[0], f.inner) {
				u.Stmt = as // h = http.TimeoutHandler(h, ...): drop the statement
			}
			list = append(list, u)
			kept = append(kept, f)
		}
		fx := fixer.UnwrapHandlers(ff, list)
		for i, fix := range fx {
			if fix != nil {
				fixes[kept[i]] = *fix
			}
		}
	}
	return fixes
}

func fixMessage(f *finding) string {
	if f.through != "" {
		return "serve " + types.ExprString(f.inner) + " without " + types.ExprString(f.site.Fun)
	}
	return "serve " + types.ExprString(f.inner) + " without http.TimeoutHandler"
}

// conversion decides how the unwrapped handler replaces the site: as is
// where any handler fits, or converted to http.Handler where the site
// gives a new variable its type.
func conversion(info *types.Info, file *ast.File, f *finding) (string, bool) {
	inner, site := info.TypeOf(f.inner), info.TypeOf(f.site)
	if inner == nil || site == nil {
		return "", false
	}
	if types.Identical(inner, site) {
		return "", true
	}
	typed := false // the site's value gives a variable its type
	switch p := f.cur.Parent().Node().(type) {
	case *ast.AssignStmt:
		typed = p.Tok == token.DEFINE
	case *ast.ValueSpec:
		typed = p.Type == nil
	case *ast.CallExpr, *ast.KeyValueExpr, *ast.ReturnStmt, *ast.CompositeLit:
		if !types.AssignableTo(inner, site) {
			return "", false
		}
		return "", true
	}
	if !typed && types.AssignableTo(inner, site) {
		return "", true
	}
	if !types.AssignableTo(inner, site) {
		return "", false
	}
	named, ok := types.Unalias(site).(*types.Named)
	if !ok || !httpsym.IsNamed(named, "net/http", named.Obj().Name()) {
		return "", false
	}
	// Convert with the file's name for net/http.
	for _, imp := range file.Imports {
		if path, _ := strconv.Unquote(imp.Path.Value); path == "net/http" {
			if pn := info.PkgNameOf(imp); pn != nil && pn.Name() != "_" && pn.Name() != "." {
				return pn.Name() + "." + named.Obj().Name(), true
			}
		}
	}
	return "", false
}

// sameVar reports whether a and b name the same variable.
func sameVar(info *types.Info, a, b ast.Expr) bool {
	ia, ok1 := ast.Unparen(a).(*ast.Ident)
	ib, ok2 := ast.Unparen(b).(*ast.Ident)
	return ok1 && ok2 && info.ObjectOf(ia) != nil && info.ObjectOf(ia) == info.ObjectOf(ib)
}
