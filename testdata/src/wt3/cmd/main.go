// Command cmd builds the server in one package, registers the routes of
// another on it, and runs it.
package main

import (
	"wt3/handlers"
	"wt3/server"
)

func main() {
	s := server.New(0) // want `New serves the routes registered on s \(a Flush loop, handlers.go:\d+\) on a server whose WriteTimeout \(writeTimeout, server.go:\d+\) cuts streaming responses`
	handlers.Register(s.Mux())
	_ = s.Run()

	short := server.New(0) // ok: only short routes are registered on it
	handlers.Short(short.Mux())
	_ = short.Run()
}
