package streamflow_test

import (
	"path/filepath"
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/streamvet/streamvet/analyzer/streamflow"
)

// TestFacts checks the facts exported for other packages: streaming
// constructors, types, variables and fields, and pass-through middleware.
func TestFacts(t *testing.T) {
	dir, err := filepath.Abs("../../testdata")
	if err != nil {
		t.Fatal(err)
	}
	analysistest.Run(t, dir, streamflow.Analyzer, "wtlib", "wtgoa/gen")
}

// TestRegisters checks the facts of helpers that register routes on a
// router parameter, on the real chi module.
func TestRegisters(t *testing.T) {
	dir, err := filepath.Abs("../../testdata/frameworks")
	if err != nil {
		t.Fatal(err)
	}
	analysistest.Run(t, dir, streamflow.Analyzer, "./wtroutes/lib")
}
