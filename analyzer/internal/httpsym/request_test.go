package httpsym_test

import (
	"go/ast"
	"go/types"
	"path/filepath"
	"testing"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/streamvet/streamvet/analyzer/internal/httpsym"
)

// requestPaths reports every function whose signature is a request path.
var requestPaths = &analysis.Analyzer{
	Name: "requestpath",
	Doc:  "report functions whose parameters give access to an http.ResponseWriter",
	Run: func(pass *analysis.Pass) (any, error) {
		sym := httpsym.Lookup(pass.Pkg)
		if sym == nil {
			return nil, nil
		}
		for _, f := range pass.Files {
			for _, d := range f.Decls {
				fd, ok := d.(*ast.FuncDecl)
				if !ok || fd.Recv != nil {
					continue
				}
				fn := pass.TypesInfo.Defs[fd.Name].(*types.Func)
				if sym.IsRequestPathSig(fn.Signature()) {
					pass.Reportf(fd.Name.Pos(), "request path")
				}
			}
		}
		return nil, nil
	},
}

// TestRequestPath checks WriterAccess on the real types of gin, echo v4
// and v5, chi, gorilla/mux, httprouter, fiber and fasthttp, and on local
// look-alikes.
func TestRequestPath(t *testing.T) {
	dir, err := filepath.Abs("../../../testdata/frameworks")
	if err != nil {
		t.Fatal(err)
	}
	analysistest.Run(t, dir, requestPaths, "./requestpath")
}
