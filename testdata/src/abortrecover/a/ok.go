package a

import (
	"errors"
	"log"
	"net/http"
)

func equal(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v) // ok: == and re-panic
			}
			log.Print(v)
		}
	}()
	work(w, r)
}

func errorsIs(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
				panic(v) // ok: errors.Is and re-panic
			}
			log.Print(v)
		}
	}()
	work(w, r)
}

func typeSwitchErr(w http.ResponseWriter, r *http.Request) {
	defer func() {
		switch e := recover().(type) {
		case nil:
		case error:
			if errors.Is(e, http.ErrAbortHandler) {
				panic(e) // ok: matched in a type switch and re-panicked
			}
			log.Print(e)
		default:
			log.Print(e)
		}
	}()
	work(w, r)
}

func everything(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			log.Print(v)
			panic(v) // ok: every recovered value is re-panicked
		}
	}()
	work(w, r)
}

// rethrowAbort re-panics an abort it is given.
func rethrowAbort(v any) {
	if v == http.ErrAbortHandler {
		panic(v)
	}
}

func viaRethrow(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			rethrowAbort(v) // ok: re-panics aborts
			log.Print(v)
		}
	}()
	work(w, r)
}

func main() {
	defer func() {
		if v := recover(); v != nil { // ok: not on a request path
			log.Print(v)
		}
	}()
	http.ListenAndServe(":8080", nil)
}

func inGoroutine(w http.ResponseWriter, r *http.Request) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() {
			if v := recover(); v != nil { // ok: another goroutine; net/http never sees its panics
				log.Print(v)
			}
		}()
		log.Print(r.URL)
	}()
	<-done
	work(w, r)
}

func deferRecover(w http.ResponseWriter, r *http.Request) {
	defer recover() // ok: recover is not called by a deferred function, it recovers nothing
	work(w, r)
}

func swallowAll() {
	if v := recover(); v != nil { // ok: called by the deferred function, not deferred itself: recovers nothing
		log.Print(v)
	}
}

func indirect(w http.ResponseWriter, r *http.Request) {
	defer func() { swallowAll() }()
	work(w, r)
}

func worker(jobs <-chan func()) {
	for job := range jobs {
		func() {
			defer func() {
				if v := recover(); v != nil { // ok: a worker, not a request path
					log.Print(v)
				}
			}()
			job()
		}()
	}
}

func shadowed(w http.ResponseWriter, r *http.Request) {
	recover := func() any { return nil }
	defer func() {
		if v := recover(); v != nil { // ok: not the builtin recover
			log.Print(v)
		}
	}()
	work(w, r)
}

func valueSwitch(w http.ResponseWriter, r *http.Request) {
	defer func() {
		v := recover()
		switch v {
		case nil:
		case http.ErrAbortHandler:
			panic(v) // ok: matched in a switch and re-panicked
		default:
			log.Print(v)
		}
	}()
	work(w, r)
}

func logPanic(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			log.Panicf("handler: %v", v) // ok: log.Panicf panics again
		}
	}()
	work(w, r)
}

func tagless(w http.ResponseWriter, r *http.Request) {
	defer func() {
		v := recover()
		switch {
		case v == nil:
		case v == http.ErrAbortHandler:
			panic(http.ErrAbortHandler) // ok: re-panics the abort
		default:
			log.Print(v)
		}
	}()
	work(w, r)
}

func notDeferred(w http.ResponseWriter, r *http.Request) {
	if v := recover(); v != nil { // ok: not in a deferred function, recovers nothing
		log.Print(v)
	}
	work(w, r)
}

func setupOnly(next http.Handler) http.Handler {
	defer func() {
		if v := recover(); v != nil { // ok: runs while building the handler, not while serving
			log.Print(v)
		}
	}()
	return next
}

func either(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			if err, ok := v.(error); ok && (err == http.ErrAbortHandler || errors.Is(err, http.ErrAbortHandler)) {
				panic(err) // ok: either test holds for an abort
			}
			log.Print(v)
		}
	}()
	work(w, r)
}

type stream struct{ cause error }

// finish ends a stream and re-panics every recovered value through a flag.
func (s *stream) finish(v any) {
	repanic := false
	if v != nil {
		repanic = true
		if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
			s.cause = err
		}
	}
	if repanic {
		panic(v)
	}
}

func flagged(w http.ResponseWriter, r *http.Request) {
	s := &stream{}
	defer func() { s.finish(recover()) }() // ok: finish re-panics every value
	work(w, r)
}

func handsBack(w http.ResponseWriter, r *http.Request) {
	var p any
	func() {
		defer func() { p = recover() }() // ok: the value is re-panicked below
		work(w, r)
	}()
	if p != nil {
		log.Print("handler failed")
		panic(p)
	}
}

func overChannel(w http.ResponseWriter, r *http.Request) {
	panics := make(chan any, 1)
	func() {
		defer func() {
			if v := recover(); v != nil {
				panics <- v // ok: re-panicked from the channel below
			}
		}()
		work(w, r)
	}()
	select {
	case v := <-panics:
		panic(v)
	default:
	}
}

// fetch is client code: a *http.Request alone is not a request being served.
func fetch(req *http.Request) (*http.Response, error) {
	defer func() {
		if v := recover(); v != nil { // ok: not on a request path
			log.Print(v)
		}
	}()
	return http.DefaultClient.Do(req)
}

func handsBackInClosure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var p any
		func() {
			defer func() { p = recover() }() // ok: re-panicked by the handler closure below
			next.ServeHTTP(w, r)
		}()
		if p != nil {
			panic(p)
		}
	})
}

// Only response writes are protected: none of them can panic with
// http.ErrAbortHandler.
func writeHeaderGuard(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if v := recover(); v != nil { // ok: nothing it protects can abort
			log.Print(v)
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}()
	w.WriteHeader(0)
}
