package writetimeout_test

import (
	"path/filepath"
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/streamvet/streamvet/analyzer/writetimeout"
)

func testdata() string {
	dir, _ := filepath.Abs("../../testdata")
	return dir
}

func TestBlog(t *testing.T) {
	analysistest.RunWithSuggestedFixes(t, testdata(), writetimeout.Analyzer, "blog")
}
