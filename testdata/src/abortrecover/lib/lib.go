// Package lib stands for libraries whose recovers guard their own work:
// an assertion library's reflection, a job runner's callbacks.
package lib

import (
	"net/http"
	"reflect"
)

// Contains reports whether list holds elem; a recover turns reflection
// panics into false, as assertion libraries do. Nothing it protects can
// abort, so calling it in a handler swallows nothing.
func Contains(list, elem any) (ok bool) {
	defer func() {
		if recover() != nil { // ok: protects reflection only
			ok = false
		}
	}()
	v := reflect.ValueOf(list)
	for i := range v.Len() {
		if reflect.DeepEqual(v.Index(i).Interface(), elem) {
			return true
		}
	}
	return false
}

// Probe runs check and reports whether it passed, recovering its panics.
func Probe(check func() error) (ok bool) { // want Probe:"swallows aborts: guard"
	defer func() {
		if recover() != nil { // ok here: only a callback that can abort makes it a finding, at the call
			ok = false
		}
	}()
	return check() == nil
}

// Safely runs f, recovering its panics.
func Safely(f func()) { // want Safely:"swallows aborts: guard"
	defer func() {
		_ = recover() // ok here: reported where f can abort
	}()
	f()
}

// Status is a handler-side helper that never serves a handler.
func Status(w http.ResponseWriter, code int) {
	defer func() {
		_ = recover() // ok: protects a header write, which cannot abort
	}()
	w.WriteHeader(code)
}
