package writetimeout_test

import (
	"path/filepath"
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/streamvet/streamvet/analyzer/writetimeout"
)

func testdata(t *testing.T) string {
	dir, err := filepath.Abs("../../testdata")
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestBlog runs the check on the program from the blog post.
func TestBlog(t *testing.T) {
	analysistest.RunWithSuggestedFixes(t, testdata(t), writetimeout.Analyzer, "blog")
}

// TestShapes covers the positive and negative shapes, with their fixes.
func TestShapes(t *testing.T) {
	analysistest.RunWithSuggestedFixes(t, testdata(t), writetimeout.Analyzer, "wt", "wtmux")
}
