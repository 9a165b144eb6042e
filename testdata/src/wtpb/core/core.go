// Package core holds the application's events.
package core

import (
	"net/http"

	"wtpb/filesystem"
	"wtpb/router"
)

// RequestEvent is the event of one request.
type RequestEvent struct {
	router.Event
	Backups *filesystem.System
}

// ServeEvent is handed to the hooks that run before the server starts.
type ServeEvent struct {
	Router *router.Router[*RequestEvent]
	Server *http.Server
}

// OnServe runs the hooks, then next.
func OnServe(e *ServeEvent, next func(e *ServeEvent) error) error { return next(e) }
