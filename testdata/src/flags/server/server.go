package server

import (
	"net/http"
	"time"

	"flags/opaque"
)

func servers(s opaque.Streamer) []*http.Server {
	return []*http.Server{
		{Handler: opaque.NewBroker(s), ReadHeaderTimeout: time.Second, IdleTimeout: time.Minute,
			WriteTimeout: time.Minute}, // want `WriteTimeout \(1m0s\) cuts streaming responses of opaque.NewBroker\(s\) \(flags/opaque.NewBroker, named by -handlers\)`
		// ok: not named by -handlers.
		{Handler: opaque.NewStatus(), WriteTimeout: time.Minute},
	}
}
