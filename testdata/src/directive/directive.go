package directive

import (
	"net/http"
	"net/http/httputil"
	"net/url"
	"time"
)

var target = &url.URL{Scheme: "http", Host: "127.0.0.1:8080"}

// A directive with a reason silences the finding below it: don't flag it.
func silenced() *http.Server {
	return &http.Server{
		Handler:           httputil.NewSingleHostReverseProxy(target),
		ReadHeaderTimeout: time.Second,
		//streamvet:ignore the upstream answers within a second, measured
		WriteTimeout: 10 * time.Second,
	}
}

// On the same line too.
func sameLine() *http.Server {
	return &http.Server{
		Handler:           httputil.NewSingleHostReverseProxy(target),
		ReadHeaderTimeout: time.Second,
		WriteTimeout:      10 * time.Second, //streamvet:ignore the upstream answers within a second
	}
}

// Without a reason the directive silences nothing, and says so.
func noReason() *http.Server {
	return &http.Server{
		Handler:           httputil.NewSingleHostReverseProxy(target),
		ReadHeaderTimeout: time.Second,
		/* want `//streamvet:ignore needs a reason` */ //streamvet:ignore
		WriteTimeout:                                  10 * time.Second,
	}
}

// A directive that silences nothing: the code it excused changed.
func stale() *http.Server {
	return &http.Server{
		Handler:           httputil.NewSingleHostReverseProxy(target),
		ReadHeaderTimeout: time.Second,
		/* want `//streamvet:ignore matches no finding on this line or the next` */ //streamvet:ignore the proxy used to stream
		IdleTimeout:                                                                time.Minute,
	}
}

// A space after // makes a comment of it: it silences nothing, and the fix
// removes the space.
func spaced() *http.Server {
	return &http.Server{
		Handler:           httputil.NewSingleHostReverseProxy(target),
		ReadHeaderTimeout: time.Second,
		/* want `a space after // makes this a comment, not a directive` */ // streamvet:ignore the upstream answers within a second
		WriteTimeout:                                                       10 * time.Second,
	}
}

// Prose that names the tool is not a directive: don't flag.
// streamvet: the check that reads these comments.

/* want `unknown directive //streamvet:ignroe` */ //streamvet:ignroe a typo silences nothing

// Other comments that mention the directive are not directives: don't flag.
// Write //streamvet:ignore <reason> on the line above a finding.
var _ = 0
