package precision

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// A test captures a panic to fail the test: not a production path.
func TestProxy(t *testing.T) { // want TestProxy:"may abort"
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil { // ok: a test's recover serves no client
				t.Errorf("panic: %v", v)
			}
		}()
		proxy.ServeHTTP(w, r)
	})
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
}
