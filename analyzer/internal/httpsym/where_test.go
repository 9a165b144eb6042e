package httpsym

import (
	"go/build"
	"path/filepath"
	"testing"
)

// TestDepPath: a file in the main module is named by its base name, a
// file of a dependency so that a reader can find it.
func TestDepPath(t *testing.T) {
	for _, tc := range []struct{ name, want string }{
		{"/home/u/src/app/cmd/server/main.go", "main.go"},
		{"/home/u/go/pkg/mod/github.com/gin-gonic/gin@v1.10.0/recovery.go", "github.com/gin-gonic/gin@v1.10.0/recovery.go"},
		{"/home/u/go/pkg/mod/github.com/!burnt!sushi/toml@v1.3.2/decode.go", "github.com/!burnt!sushi/toml@v1.3.2/decode.go"},
		{"/home/u/src/app/vendor/github.com/go-chi/chi/v5/middleware/recoverer.go", "github.com/go-chi/chi/v5/middleware/recoverer.go"},
		{filepath.Join(build.Default.GOROOT, "src", "net", "http", "server.go"), "net/http/server.go"},
	} {
		if got := depPath(filepath.FromSlash(tc.name)); got != tc.want {
			t.Errorf("depPath(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestDepPathModCache: a module cache set apart with GOMODCACHE, as CI
// machines and containers often do, is found too.
func TestDepPathModCache(t *testing.T) {
	t.Setenv("GOMODCACHE", "/cache/mods")
	got := depPath(filepath.FromSlash("/cache/mods/github.com/gin-gonic/gin@v1.12.0/context.go"))
	if want := "github.com/gin-gonic/gin@v1.12.0/context.go"; got != want {
		t.Errorf("depPath under GOMODCACHE = %q, want %q", got, want)
	}
}
