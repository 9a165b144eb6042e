// Command cmd2 hands the server to a package that registers on it.
package main

import (
	"wt3/routes"
	"wt3/server"
)

func main() {
	s := server.New(0) // want `New serves the routes registered on s \(a Flush loop, routes.go:\d+\) on a server whose WriteTimeout`
	routes.Register(s)
	_ = s.Run()
}
