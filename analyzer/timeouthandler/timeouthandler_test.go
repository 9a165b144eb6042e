package timeouthandler_test

import (
	"path/filepath"
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/streamvet/streamvet/analyzer/internal/goldentest"
	"github.com/streamvet/streamvet/analyzer/timeouthandler"
)

func testdata() string {
	dir, _ := filepath.Abs("../../testdata")
	return dir
}

func TestTimeoutHandler(t *testing.T) {
	analysistest.RunWithSuggestedFixes(t, testdata(), timeouthandler.Analyzer, "timeouthandler", "timeouthandler/thwrap")
}

// TestFixesCompile type-checks the fixed files.
func TestFixesCompile(t *testing.T) {
	goldentest.Compile(t, testdata(), "timeouthandler", "timeouthandler/thwrap")
}
