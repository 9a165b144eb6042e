package httpsym

import "go/types"

// accessDepth bounds how many fields or nullary method results
// WriterAccess follows: enough for gin's c.Writer and echo's
// c.Response().Writer, cheap enough to ask of every parameter.
const accessDepth = 2

// WriterAccess reports whether a value of type t gives access to an
// http.ResponseWriter, so that a function taking it is on a request path:
// t implements http.ResponseWriter, or a field of t (embedded fields
// included) or the result of a nullary method of t does, following at most
// two such steps (gin's c.Writer, echo's c.Response() and
// c.Response().Writer). A type that serves HTTP itself (a router, an
// engine) holds no response: it is not followed. Types of other HTTP
// stacks (fasthttp, fiber) never reach a net/http ResponseWriter.
func (s *Symbols) WriterAccess(t types.Type) bool {
	if t == nil {
		return false
	}
	if s.access == nil {
		s.access = make(map[types.Type]bool)
	}
	return s.writerAccess(t, accessDepth, make(map[types.Type]bool))
}

func (s *Symbols) writerAccess(t types.Type, depth int, seen map[types.Type]bool) bool {
	t = types.Unalias(t)
	if s.implementsWriter(t) {
		return true
	}
	if depth == 0 || seen[t] {
		return false
	}
	if v, ok := s.access[t]; ok && depth == accessDepth {
		return v
	}
	seen[t] = true
	ok := s.reaches(t, depth, seen)
	if depth == accessDepth {
		s.access[t] = ok
	}
	return ok
}

// reaches looks one step into t: its fields and nullary methods.
func (s *Symbols) reaches(t types.Type, depth int, seen map[types.Type]bool) bool {
	if _, isSig := t.Underlying().(*types.Signature); isSig {
		return false // a function value is called, not read
	}
	if s.IsHandler(t) {
		return false // a router or server: it receives responses, it holds none
	}
	base := t
	if p, ok := t.Underlying().(*types.Pointer); ok {
		base = p.Elem()
	}
	if st, ok := base.Underlying().(*types.Struct); ok {
		if s.fieldReaches(st, depth, seen) {
			return true
		}
	}
	// Nullary methods with one result: c.Response(), c.Writer().
	mset := types.NewMethodSet(t)
	if _, isPtr := t.Underlying().(*types.Pointer); !isPtr && !types.IsInterface(t) {
		mset = types.NewMethodSet(types.NewPointer(t))
	}
	for i := range mset.Len() {
		fn, ok := mset.At(i).Obj().(*types.Func)
		if !ok || !fn.Exported() {
			continue // other packages cannot call it
		}
		sig := fn.Signature()
		if sig.Params().Len() != 0 || sig.Results().Len() != 1 {
			continue
		}
		if s.writerAccess(sig.Results().At(0).Type(), depth-1, seen) {
			return true
		}
	}
	return false
}

// fieldReaches follows the fields of st; an embedded struct's fields are
// promoted, so they cost no step.
func (s *Symbols) fieldReaches(st *types.Struct, depth int, seen map[types.Type]bool) bool {
	for i := range st.NumFields() {
		f := st.Field(i)
		if s.writerAccess(f.Type(), depth-1, seen) {
			return true
		}
		if !f.Embedded() {
			continue
		}
		ft := types.Unalias(f.Type())
		if p, ok := ft.Underlying().(*types.Pointer); ok {
			ft = p.Elem()
		}
		if seen[ft] {
			continue
		}
		seen[ft] = true
		if inner, ok := ft.Underlying().(*types.Struct); ok && s.fieldReaches(inner, depth, seen) {
			return true
		}
	}
	return false
}

func (s *Symbols) implementsWriter(t types.Type) bool {
	if types.Implements(t, s.ResponseWriter) {
		return true
	}
	if types.IsInterface(t) {
		return false
	}
	if _, isPtr := t.Underlying().(*types.Pointer); isPtr {
		return false
	}
	return types.Implements(types.NewPointer(t), s.ResponseWriter)
}

// IsRequestPathSig reports whether a function of signature sig serves
// requests: some parameter gives access to an http.ResponseWriter
// (func(w, r), func(w, r, httprouter.Params), func(*gin.Context),
// func(echo.Context) error, func(*echo.Context) error).
func (s *Symbols) IsRequestPathSig(sig *types.Signature) bool {
	return s.WriterParam(sig) >= 0
}

// WriterParam returns the index of the first parameter of sig that gives
// access to an http.ResponseWriter, or -1.
func (s *Symbols) WriterParam(sig *types.Signature) int {
	for i := range sig.Params().Len() {
		if s.WriterAccess(sig.Params().At(i).Type()) {
			return i
		}
	}
	return -1
}
