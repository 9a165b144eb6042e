// A gin program that serves JSON only: nothing in it can reach a
// ReverseProxy.
package ginjson

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// The program's own recovery, installed only in front of JSON handlers:
// nothing behind it can abort.
func jsonRecovery() gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if v := recover(); v != nil { // ok: every use is in front of handlers that cannot abort
				c.AbortWithStatus(http.StatusInternalServerError)
			}
		}()
		c.Next()
	}
}

func ginJSONOwn() http.Handler {
	r := gin.New()
	r.Use(jsonRecovery())
	r.GET("/ping", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"ok": true}) })
	return r
}
