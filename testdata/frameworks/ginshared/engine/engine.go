// Package engine keeps the program's one gin engine in a package
// variable, built by gin.Default in init, and hands it out.
package engine

import "github.com/gin-gonic/gin"

var router *gin.Engine

func init() {
	router = gin.Default()
	router.GET("/livez", func(c *gin.Context) { c.String(200, "livez") })
}

// Router returns the engine, gin.Recovery installed.
func Router() *gin.Engine { // want Router:"swallows aborts: router with recovery"
	return router
}

var plain = gin.New()

// Plain returns an engine without recovery.
func Plain() *gin.Engine {
	return plain
}
