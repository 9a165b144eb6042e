package analyzer_test

import (
	"path/filepath"
	"testing"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/streamvet/streamvet/analyzer/abortrecover"
	"github.com/streamvet/streamvet/analyzer/writetimeout"
)

// setFlag sets an analyzer flag for one test.
func setFlag(t *testing.T, a *analysis.Analyzer, name, value string) {
	t.Helper()
	f := a.Flags.Lookup(name)
	if f == nil {
		t.Fatalf("%s has no -%s flag", a.Name, name)
	}
	old := f.Value.String()
	if err := f.Value.Set(value); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Value.Set(old) })
}

func testdata(t *testing.T) string {
	dir, err := filepath.Abs("../testdata")
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestHandlersFlag: a constructor named by -handlers streams, although its
// code does not show it; one not named does not.
func TestHandlersFlag(t *testing.T) {
	setFlag(t, writetimeout.Analyzer, "handlers", "flags/opaque.NewBroker")
	analysistest.Run(t, testdata(t), writetimeout.Analyzer, "flags/server")
}

// TestRecoveryFlag: middleware named by -recovery swallows aborts, so
// wrapping a proxy in it is reported where it is wrapped.
func TestRecoveryFlag(t *testing.T) {
	setFlag(t, abortrecover.Analyzer, "recovery", "flags/opaque.Recoverer")
	analysistest.Run(t, testdata(t), abortrecover.Analyzer, "flags/recovered")
}
