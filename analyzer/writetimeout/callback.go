package writetimeout

import (
	"go/ast"
	"go/token"
	"go/types"
	"slices"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ast/inspector"

	"github.com/streamvet/streamvet/analyzer/internal/httpsym"
	"github.com/streamvet/streamvet/analyzer/streamflow"
	"github.com/streamvet/streamvet/fixer"
)

// A server configured by a callback: a framework builds the http.Server
// and hands it to a function of the program before serving, as echo v5's
// StartConfig{BeforeServeFunc: func(s *http.Server) error {...}}.Start(ctx, e)
// does. The timeouts the callback sets apply to the handler the start
// call serves, and override those the framework set.

// callbackServers returns the servers that callbacks configure, and for
// each start call the timeouts its callback sets.
func callbackServers(pass *analysis.Pass, flows *streamflow.Result, insp *inspector.Inspector) ([]*server, map[*ast.CallExpr][]string) {
	info := pass.TypesInfo
	var servers []*server
	overrides := make(map[*ast.CallExpr][]string)
	for c := range insp.Root().Preorder((*ast.FuncLit)(nil)) {
		lit := c.Node().(*ast.FuncLit)
		param := serverParam(info, lit)
		if param == nil {
			continue
		}
		if _, ok := c.Parent().Node().(*ast.KeyValueExpr); !ok {
			continue
		}
		config := c.Parent().Parent()
		if _, ok := config.Node().(*ast.CompositeLit); !ok {
			continue
		}
		start, handler := startCall(pass, flows, insp, config)
		if start == nil {
			continue
		}
		s := &server{settings: make(map[string]fixer.Setting), served: handler, file: httpsym.FileOf(pass, lit.Pos())}
		ast.Inspect(lit.Body, func(n ast.Node) bool {
			as, ok := n.(*ast.AssignStmt)
			if !ok || len(as.Lhs) != 1 || len(as.Rhs) != 1 {
				return true
			}
			sel, ok := ast.Unparen(as.Lhs[0]).(*ast.SelectorExpr)
			if !ok || !slices.Contains(watched, sel.Sel.Name) || varOf(info, sel.X) != param {
				return true
			}
			s.settings[sel.Sel.Name] = fixer.Setting{Name: sel.Sel.Name, Node: as, Value: as.Rhs[0]}
			overrides[start] = append(overrides[start], sel.Sel.Name)
			return true
		})
		if len(s.settings) > 0 {
			servers = append(servers, s)
		}
	}
	return servers, overrides
}

// serverParam returns the *http.Server parameter of a callback literal
// func(s *http.Server) [error], or nil.
func serverParam(info *types.Info, lit *ast.FuncLit) *types.Var {
	sig, ok := info.TypeOf(lit).(*types.Signature)
	if !ok || sig.Params().Len() != 1 {
		return nil
	}
	p := sig.Params().At(0)
	if _, ptr := p.Type().(*types.Pointer); !ptr || !isServer(p.Type()) {
		return nil
	}
	return p
}

// startCall finds the method call made on the configuration literal at
// cur, directly (Config{...}.Start(ctx, h)) or through the variable it is
// assigned to, and the one handler that call passes.
func startCall(pass *analysis.Pass, flows *streamflow.Result, insp *inspector.Inspector, cur inspector.Cursor) (*ast.CallExpr, ast.Expr) {
	info := pass.TypesInfo
	handlerArg := func(call *ast.CallExpr) ast.Expr {
		var found ast.Expr
		for _, arg := range call.Args {
			if flows.IsHandler(info.TypeOf(arg)) {
				if found != nil {
					return nil
				}
				found = arg
			}
		}
		return found
	}
	outer := cur // &Config{...}
	if u, ok := cur.Parent().Node().(*ast.UnaryExpr); ok && u.Op == token.AND {
		outer = cur.Parent()
	}
	p := outer.Parent()
	if sel, ok := p.Node().(*ast.SelectorExpr); ok && sel.X == outer.Node() {
		if call, ok := p.Parent().Node().(*ast.CallExpr); ok && call.Fun == sel {
			if h := handlerArg(call); h != nil {
				return call, h
			}
		}
		return nil, nil
	}
	holder := holderOf(info, cur)
	if holder == nil {
		return nil, nil
	}
	for c := range insp.Root().Preorder((*ast.CallExpr)(nil)) {
		call := c.Node().(*ast.CallExpr)
		sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
		if !ok || varOf(info, sel.X) != holder {
			continue
		}
		if h := handlerArg(call); h != nil {
			return call, h
		}
	}
	return nil, nil
}
