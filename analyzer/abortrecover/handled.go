package abortrecover

import (
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"

	"golang.org/x/tools/go/ast/edge"
	"golang.org/x/tools/go/ast/inspector"
	"golang.org/x/tools/go/types/typeutil"

	"github.com/streamvet/streamvet/analyzer/internal/httpsym"
)

// verdict is what a function body does with a recovered value.
type verdict struct {
	handled  bool   // re-panicked under a condition that holds for an abort
	compared bool   // the value is compared with http.ErrAbortHandler
	instead  string // what runs under that comparison instead of panic
}

// tracker follows a recovered value through a function body: the
// variables bound to it, and the ok results of its type assertions.
type tracker struct {
	info      *types.Info
	call      *ast.CallExpr // the recover call, or nil for a parameter
	vals      map[types.Object]bool
	oks       map[types.Object]bool
	flags     map[types.Object]bool    // bools set to true when the value is an abort
	rePanics  func(fn *types.Func) int // parameter a function re-panics, or -1
	abortTest func(fn *types.Func) int // parameter a predicate tests for an abort, or -1
	raises    func(fn *types.Func) bool
}

// newTracker follows the value recovered by call (nil when the caller
// binds a parameter). The functions tell what other functions do with
// aborts: re-panic an argument, test one, raise the abort themselves.
func newTracker(info *types.Info, call *ast.CallExpr, rePanics, abortTest func(*types.Func) int, raises func(*types.Func) bool) *tracker {
	return &tracker{info: info, call: call, vals: make(map[types.Object]bool), oks: make(map[types.Object]bool),
		flags: make(map[types.Object]bool), rePanics: rePanics, abortTest: abortTest, raises: raises}
}

// judge decides whether the function body at cur re-panics the value
// recovered by call (or held in the parameter param when call is nil).
func (c *checker) judge(cur inspector.Cursor, call *ast.CallExpr, param *types.Var) verdict {
	t := newTracker(c.info, call, c.rePanicParam, c.abortTest, c.raisesAbort)
	if param != nil {
		t.vals[param] = true
	}
	t.bind(cur)
	t.flag(cur)
	after := cur.Node().Pos() // a panic counts when it ends after the recover
	if call != nil {
		after = call.End()
	}
	var v verdict
	var returns []inspector.Cursor // returns after the recover that an abort may take
	cur.Inspect(nil, func(c inspector.Cursor) bool {
		switch n := c.Node().(type) {
		case *ast.FuncLit:
			return false // not run by this body, or not known to be
		case *ast.ReturnStmt:
			if n.Pos() > after && !t.avoided(c, cur) {
				returns = append(returns, c)
			}
		case *ast.BinaryExpr:
			if t.isAbortTest(n) {
				v.compared = true
			}
		case *ast.CallExpr:
			if t.isAbortTest(n) {
				v.compared = true
			}
			if n.End() > after && t.isPanic(n) && t.reached(c, cur) && !returnsBefore(returns, c) {
				v.handled = true
			}
		case *ast.IfStmt:
			body := c.ChildAt(edge.IfStmt_Body, -1)
			if v.instead == "" && t.abortTrue(n.Cond) && t.mentionsAbort(n.Cond) && !t.panics(body) {
				v.instead = "returns"
				for call := range body.Preorder((*ast.CallExpr)(nil)) {
					v.instead = "calls " + types.ExprString(call.Node().(*ast.CallExpr).Fun)
					break
				}
			}
		}
		return true
	})
	return v
}

// bind collects the variables that hold the recovered value.
func (t *tracker) bind(cur inspector.Cursor) {
	for changed := true; changed; {
		changed = false
		add := func(m map[types.Object]bool, e ast.Expr) {
			id, ok := e.(*ast.Ident)
			if !ok || id.Name == "_" {
				return
			}
			if obj := t.info.ObjectOf(id); obj != nil && !m[obj] {
				m[obj] = true
				changed = true
			}
		}
		cur.Inspect(nil, func(c inspector.Cursor) bool {
			switch n := c.Node().(type) {
			case *ast.FuncLit:
				return false // not run by this body, or not known to be
			case *ast.AssignStmt:
				if len(n.Lhs) == len(n.Rhs) {
					for i := range n.Lhs {
						if t.isV(n.Rhs[i]) {
							add(t.vals, n.Lhs[i])
						}
					}
				} else if len(n.Lhs) == 2 && len(n.Rhs) == 1 {
					if ta, ok := ast.Unparen(n.Rhs[0]).(*ast.TypeAssertExpr); ok && t.isV(ta.X) {
						add(t.vals, n.Lhs[0])
						add(t.oks, n.Lhs[1])
					}
				}
			case *ast.ValueSpec:
				if len(n.Names) == len(n.Values) {
					for i := range n.Names {
						if t.isV(n.Values[i]) {
							add(t.vals, n.Names[i])
						}
					}
				}
			case *ast.TypeSwitchStmt:
				if x := t.switchSubject(n); x != nil && t.isV(x) {
					for _, s := range n.Body.List {
						if obj := t.info.Implicits[s]; obj != nil && !t.vals[obj] {
							t.vals[obj] = true
							changed = true
						}
					}
				}
			}
			return true
		})
	}
}

// isV reports whether e is the recovered value.
func (t *tracker) isV(e ast.Expr) bool {
	e = ast.Unparen(e)
	if t.call != nil && e == t.call {
		return true
	}
	switch e := e.(type) {
	case *ast.Ident:
		return t.vals[t.info.ObjectOf(e)]
	case *ast.TypeAssertExpr:
		return e.Type != nil && t.isV(e.X)
	}
	return false
}

func (t *tracker) isNil(e ast.Expr) bool { return t.info.Types[ast.Unparen(e)].IsNil() }

func (t *tracker) isAbort(e ast.Expr) bool { return httpsym.IsErrAbortHandler(t.info, e) }

// isAbortTest reports whether n compares the value with
// http.ErrAbortHandler: v == http.ErrAbortHandler or errors.Is(v, ...).
func (t *tracker) isAbortTest(n ast.Node) bool {
	switch n := n.(type) {
	case *ast.BinaryExpr:
		if n.Op == token.EQL || n.Op == token.NEQ {
			return t.isV(n.X) && t.isAbort(n.Y) || t.isAbort(n.X) && t.isV(n.Y)
		}
	case *ast.CallExpr:
		if httpsym.CalleeIs(t.info, n, "errors", "Is") && len(n.Args) == 2 && t.isV(n.Args[0]) && t.isAbort(n.Args[1]) {
			return true
		}
		// A predicate such as isAbort(v) that tests its argument that way.
		if fn, ok := typeutil.Callee(t.info, n).(*types.Func); ok && t.abortTest != nil {
			i := t.abortTest(fn)
			return i >= 0 && i < len(n.Args) && t.isV(n.Args[i])
		}
	}
	return false
}

func (t *tracker) mentionsAbort(e ast.Expr) bool {
	found := false
	ast.Inspect(e, func(n ast.Node) bool {
		found = found || t.isAbortTest(n)
		return !found
	})
	return found
}

// abortTrue reports whether cond certainly holds when the recovered value
// is http.ErrAbortHandler.
func (t *tracker) abortTrue(cond ast.Expr) bool {
	switch e := ast.Unparen(cond).(type) {
	case *ast.BinaryExpr:
		switch e.Op {
		case token.LAND:
			return t.abortTrue(e.X) && t.abortTrue(e.Y)
		case token.LOR:
			return t.abortTrue(e.X) || t.abortTrue(e.Y)
		case token.EQL:
			return t.isAbortTest(e)
		case token.NEQ:
			return t.isV(e.X) && t.isNil(e.Y) || t.isNil(e.X) && t.isV(e.Y)
		}
	case *ast.CallExpr:
		return t.isAbortTest(e)
	case *ast.Ident:
		return t.oks[t.info.ObjectOf(e)] || t.flags[t.info.ObjectOf(e)]
	case *ast.UnaryExpr:
		return e.Op == token.NOT && t.abortFalse(e.X)
	}
	return false
}

// abortFalse reports whether cond certainly fails when the recovered
// value is http.ErrAbortHandler.
func (t *tracker) abortFalse(cond ast.Expr) bool {
	switch e := ast.Unparen(cond).(type) {
	case *ast.BinaryExpr:
		switch e.Op {
		case token.LAND:
			return t.abortFalse(e.X) || t.abortFalse(e.Y)
		case token.LOR:
			return t.abortFalse(e.X) && t.abortFalse(e.Y)
		case token.EQL:
			return t.isV(e.X) && t.isNil(e.Y) || t.isNil(e.X) && t.isV(e.Y)
		case token.NEQ:
			return t.isAbortTest(e)
		}
	case *ast.UnaryExpr:
		return e.Op == token.NOT && t.abortTrue(e.X)
	case *ast.Ident:
		return t.isNil(e) || t.info.Types[e].Value != nil && t.info.Types[e].Value.String() == "false"
	}
	return false
}

// isPanic reports whether call panics with whatever it is given: panic,
// log.Panic*, or a function known to re-panic an abort passed to it; or
// ends the process (os.Exit, log.Fatal*): no response is completed then
// either.
func (t *tracker) isPanic(call *ast.CallExpr) bool {
	if httpsym.IsBuiltin(t.info, call, "panic") {
		return true
	}
	fn, _ := typeutil.Callee(t.info, call).(*types.Func)
	if fn == nil {
		return false
	}
	if httpsym.IsFunc(fn, "log", "Panic", "Panicf", "Panicln") || httpsym.IsMethod(fn, "log", "Logger", "Panic", "Panicf", "Panicln") {
		return true
	}
	if httpsym.IsFunc(fn, "os", "Exit") || httpsym.IsFunc(fn, "log", "Fatal", "Fatalf", "Fatalln") || httpsym.IsMethod(fn, "log", "Logger", "Fatal", "Fatalf", "Fatalln") {
		return true
	}
	if t.rePanics != nil {
		if i := t.rePanics(fn); i >= 0 && i < len(call.Args) && t.isV(call.Args[i]) {
			return true
		}
	}
	// A function that panics with http.ErrAbortHandler itself, such as a
	// writer's finish method that aborts once the headers are out, raises
	// the abort again.
	return t.raises != nil && t.raises(fn)
}

// panics reports whether the code at cur calls panic.
func (t *tracker) panics(cur inspector.Cursor) bool {
	found := false
	cur.Inspect(nil, func(c inspector.Cursor) bool {
		switch n := c.Node().(type) {
		case *ast.FuncLit:
			return false // not run here, or not known to be
		case *ast.CallExpr:
			found = found || t.isPanic(n)
		}
		return !found
	})
	return found
}

// reached reports whether the node at c runs when the recovered value is
// an abort, judging by the conditions between it and top.
func (t *tracker) reached(c, top inspector.Cursor) bool {
	for ; c != top && c.Parent().Valid() && c.Parent().Node() != nil; c = c.Parent() {
		if t.encloses(c.Parent().Node()) {
			// Conditions around the recover itself decide whether anything
			// is recovered at all; when they fail, the abort goes on.
			return true
		}
		switch n := c.Parent().Node().(type) {
		case *ast.IfStmt:
			switch c.ParentEdgeKind() {
			case edge.IfStmt_Body:
				if !t.abortTrue(n.Cond) {
					return false
				}
			case edge.IfStmt_Else:
				if !t.abortFalse(n.Cond) {
					return false
				}
			}
		case *ast.CaseClause:
			if c.ParentEdgeKind() != edge.CaseClause_Body {
				continue // the case expressions themselves
			}
			switch sw := c.Parent().Parent().Parent().Node().(type) {
			case *ast.SwitchStmt:
				if !t.caseTaken(sw, n) {
					return false
				}
			case *ast.TypeSwitchStmt:
				if !t.typeCaseTaken(sw, n) {
					return false
				}
			}
		}
	}
	return true
}

// caseTaken reports whether an abort takes the case clause cc of s.
func (t *tracker) caseTaken(s *ast.SwitchStmt, cc *ast.CaseClause) bool {
	switch {
	case s.Tag == nil:
		if cc.List == nil {
			for _, other := range s.Body.List {
				for _, e := range other.(*ast.CaseClause).List {
					if !t.abortFalse(e) {
						return false
					}
				}
			}
			return true
		}
		for _, e := range cc.List {
			if t.abortTrue(e) {
				return true
			}
		}
	case t.isV(s.Tag):
		if cc.List == nil {
			for _, other := range s.Body.List {
				for _, e := range other.(*ast.CaseClause).List {
					if t.isAbort(e) {
						return false
					}
				}
			}
			return true
		}
		for _, e := range cc.List {
			if t.isAbort(e) {
				return true
			}
		}
	}
	return false
}

// typeCaseTaken reports whether an abort, an error value, takes the case
// clause cc of a type switch on the recovered value.
func (t *tracker) typeCaseTaken(s *ast.TypeSwitchStmt, cc *ast.CaseClause) bool {
	x := t.switchSubject(s)
	if x == nil || !t.isV(x) {
		return false
	}
	errType := types.Universe.Lookup("error").Type()
	catches := func(e ast.Expr) bool {
		typ := t.info.TypeOf(e)
		if typ == nil {
			return false
		}
		iface, ok := typ.Underlying().(*types.Interface)
		return ok && !t.isNil(e) && types.Implements(errType, iface)
	}
	if cc.List == nil {
		for _, other := range s.Body.List {
			for _, e := range other.(*ast.CaseClause).List {
				if catches(e) {
					return false
				}
			}
		}
		return true
	}
	for _, e := range cc.List {
		if catches(e) {
			return true
		}
	}
	return false
}

func (t *tracker) switchSubject(s *ast.TypeSwitchStmt) ast.Expr {
	var e ast.Expr
	switch a := s.Assign.(type) {
	case *ast.ExprStmt:
		e = a.X
	case *ast.AssignStmt:
		if len(a.Rhs) == 1 {
			e = a.Rhs[0]
		}
	}
	if ta, ok := ast.Unparen(e).(*ast.TypeAssertExpr); ok {
		return ta.X
	}
	return nil
}

// flag collects the booleans set to true on a path an abort takes, as in
//
//	if v != nil { repanic = true }
//	...
//	if repanic { panic(v) }
func (t *tracker) flag(cur inspector.Cursor) {
	for changed := true; changed; {
		changed = false
		cur.Inspect(nil, func(c inspector.Cursor) bool {
			switch n := c.Node().(type) {
			case *ast.FuncLit:
				return false // not run by this body, or not known to be
			case *ast.AssignStmt:
				if len(n.Lhs) != len(n.Rhs) {
					return true
				}
				for i, rhs := range n.Rhs {
					id, ok := n.Lhs[i].(*ast.Ident)
					if !ok {
						continue
					}
					v := t.info.Types[rhs].Value
					obj := t.info.ObjectOf(id)
					if v == nil || v.Kind() != constant.Bool || !constant.BoolVal(v) || obj == nil || t.flags[obj] {
						continue
					}
					if t.reached(c, cur) {
						t.flags[obj] = true
						changed = true
					}
				}
			}
			return true
		})
	}
}

// encloses reports whether n contains the recover call.
func (t *tracker) encloses(n ast.Node) bool {
	return t.call != nil && n.Pos() <= t.call.Pos() && t.call.End() <= n.End()
}

// avoided reports whether an abort certainly skips the node at c: some
// condition between it and top fails for an abort, as in
// if v == nil { return }.
func (t *tracker) avoided(c, top inspector.Cursor) bool {
	for ; c != top && c.Parent().Valid() && c.Parent().Node() != nil; c = c.Parent() {
		if t.encloses(c.Parent().Node()) {
			return false
		}
		if n, ok := c.Parent().Node().(*ast.IfStmt); ok {
			switch c.ParentEdgeKind() {
			case edge.IfStmt_Body:
				if t.abortFalse(n.Cond) {
					return true
				}
			case edge.IfStmt_Else:
				if t.abortTrue(n.Cond) {
					return true
				}
			}
		}
	}
	return false
}

// returnsBefore reports whether one of returns comes before the node at c
// and outside it: an abort may return there and never reach c, as in
// if h.handled(v) { return } before if v != nil { panic(v) }.
func returnsBefore(returns []inspector.Cursor, c inspector.Cursor) bool {
	for _, r := range returns {
		if r.Node().Pos() < c.Node().Pos() {
			return true
		}
	}
	return false
}
