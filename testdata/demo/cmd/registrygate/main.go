// Command registrygate puts a gin app in front of a container registry:
// a health route of its own and everything under /v2/ proxied. gin.Default
// installs gin's recovery, which swallows the proxy's aborts: a client
// whose blob download breaks mid-way receives a short blob that looks
// complete.
package main

import (
	"log"
	"net/http"
	"net/http/httputil"
	"net/url"
	"time"

	"github.com/gin-gonic/gin"
)

func main() {
	registry, err := url.Parse("http://127.0.0.1:5000")
	if err != nil {
		log.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(registry)

	r := gin.Default()
	r.GET("/healthz", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })
	r.Any("/v2/*path", gin.WrapH(proxy))

	srv := &http.Server{Addr: ":5443", Handler: r, ReadHeaderTimeout: 10 * time.Second}
	log.Fatal(srv.ListenAndServe())
}
