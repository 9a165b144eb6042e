package httpsym_test

import (
	"testing"

	"github.com/streamvet/streamvet/analyzer/internal/httpsym"
)

func TestFuncListSet(t *testing.T) {
	var l httpsym.FuncList
	if err := l.Set("example.com/a.F, example.com/a/b.(*T).M,example.com/a/b.T.N,example.com/a/b.(T).O"); err != nil {
		t.Fatal(err)
	}
	if got, want := l.String(), "example.com/a.F,example.com/a/b.(*T).M,example.com/a/b.T.N,example.com/a/b.(T).O"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	for _, bad := range []string{"F", "example.com/a.", "example.com/a.(*T.M", "example.com/a.T.M.X"} {
		if err := l.Set(bad); err == nil {
			t.Errorf("Set(%q) accepted a malformed name", bad)
		}
	}
}
