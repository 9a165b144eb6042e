package recoverers // want package:"reaches httputil.ReverseProxy"
// Recovery middleware of real frameworks in front of streams: gin's and
// gorilla's and negroni's swallow http.ErrAbortHandler; chi's and echo's
// re-panic it; x/net/http2 answers it with RST_STREAM on the handler's
// own goroutine.

import (
	"io"
	"log"
	"net/http"
	"net/http/httputil"
	"net/url"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/go-chi/chi/v5"
	chimw "github.com/go-chi/chi/v5/middleware"
	"github.com/gorilla/handlers"
	"github.com/labstack/echo/v4"
	echomw "github.com/labstack/echo/v4/middleware"
	"github.com/urfave/negroni/v3"
	"golang.org/x/net/http2"
	"golang.org/x/net/http2/h2c"
)

var target = &url.URL{Scheme: "http", Host: "localhost:2375"}

func gorilla() http.Handler {
	proxy := httputil.NewSingleHostReverseProxy(target)
	return handlers.RecoveryHandler()(proxy) // want `the middleware of handlers.RecoveryHandler recovers panics without re-panicking http.ErrAbortHandler`
}

func negroniApp() http.Handler {
	proxy := httputil.NewSingleHostReverseProxy(target)
	n := negroni.New(negroni.NewRecovery()) // want `negroni.NewRecovery recovers panics without re-panicking http.ErrAbortHandler`
	n.UseHandler(proxy)
	return n
}

// A recovery handler kept in a variable and configured, then installed
// on chains that a helper fills: only the chain the helper gives a proxy
// is a finding.
func negroniChains(logger *log.Logger) (public, admin *negroni.Negroni) {
	recovery := negroni.NewRecovery()
	recovery.Logger = logger
	admin = negroni.New(recovery) // ok: the admin chain serves JSON only
	public = negroni.New(
		recovery, // want `negroni.NewRecovery recovers panics without re-panicking http.ErrAbortHandler, so installing it on public, which routes to a stream`
	)
	serveAdmin(admin)
	serveProxy(public)
	return public, admin
}

func serveProxy(n *negroni.Negroni) {
	n.UseHandler(httputil.NewSingleHostReverseProxy(target))
}

func serveAdmin(n *negroni.Negroni) {
	n.UseHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "{}") }))
}

// A builder installs gin's recovery on the router it returns; its callers
// add the routes.
func newGinRouter() *gin.Engine {
	r := gin.New()
	r.Use(gin.Recovery())
	return r
}

func ginBuilt() http.Handler {
	r := newGinRouter() // want `recoverers.newGinRouter installs recovery middleware that recovers panics without re-panicking http.ErrAbortHandler, so installing it on r, which routes to a stream`
	r.Any("/v1/*path", gin.WrapH(httputil.NewSingleHostReverseProxy(target)))
	return r
}

func ginBuiltJSON() http.Handler {
	r := newGinRouter() // ok: JSON only
	r.GET("/status", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"ok": true}) })
	return r
}

func ginRecovery() http.Handler {
	proxy := httputil.NewSingleHostReverseProxy(target)
	r := gin.New()
	r.Use(gin.Recovery()) // want `gin.Recovery recovers panics without re-panicking http.ErrAbortHandler`
	r.Any("/v1/*path", gin.WrapH(proxy))
	return r
}

func ginDefault() http.Handler {
	proxy := httputil.NewSingleHostReverseProxy(target)
	r := gin.Default() // want `gin.Default installs recovery middleware that recovers panics without re-panicking http.ErrAbortHandler`
	r.Any("/v1/*path", gin.WrapH(proxy))
	return r
}

// A recover written in a gin middleware of the program, installed in
// front of a proxy.
func ginMiddleware() gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if v := recover(); v != nil { // want `recover in the function deferred by .* swallows http.ErrAbortHandler`
				log.Print(v)
				c.AbortWithStatus(http.StatusInternalServerError)
			}
		}()
		c.Next()
	}
}

func ginOwnRecovery() http.Handler {
	proxy := httputil.NewSingleHostReverseProxy(target)
	r := gin.New()
	r.Use(ginMiddleware())
	r.Any("/v1/*path", gin.WrapH(proxy))
	return r
}

// A gin app that serves JSON only: gin.Default's recovery protects
// nothing that aborts mid-stream.
func ginJSON() http.Handler {
	r := gin.Default() // ok: no route streams
	r.GET("/ping", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"ok": true}) })
	return r
}

func chiApp() http.Handler {
	proxy := httputil.NewSingleHostReverseProxy(target)
	r := chi.NewRouter()
	r.Use(chimw.Recoverer) // ok: re-panics http.ErrAbortHandler
	r.Handle("/*", proxy)
	return r
}

func echoApp() *echo.Echo {
	proxy := httputil.NewSingleHostReverseProxy(target)
	e := echo.New()
	e.Use(echomw.Recover()) // ok: re-panics http.ErrAbortHandler
	e.Any("/*", echo.WrapHandler(proxy))
	return e
}

func h2cApp() http.Handler {
	proxy := httputil.NewSingleHostReverseProxy(target)
	return h2c.NewHandler(proxy, &http2.Server{}) // ok: http2 runs each handler on its own goroutine and answers aborts with RST_STREAM
}

// gin.Default in front of a server-sent-event stream: a Flush loop ends
// when its client leaves, it does not panic with http.ErrAbortHandler.
func ginSSE() http.Handler {
	r := gin.Default() // ok: no proxy behind it
	r.GET("/events", func(c *gin.Context) {
		c.Stream(func(w io.Writer) bool {
			c.SSEvent("tick", time.Now().String())
			return true
		})
	})
	return r
}

// gorilla's recovery around a Flush loop of the program.
func gorillaSSE() http.Handler {
	return handlers.RecoveryHandler()(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { // ok: no proxy behind it
		for range 10 {
			w.Write([]byte("data: tick\n\n"))
			w.(http.Flusher).Flush()
		}
	}))
}

// ok: the form the fix builds: gin.New, gin.Logger and recovery that
// re-panics the abort before gin's own could see it.
func ginFixedForm() http.Handler {
	proxy := httputil.NewSingleHostReverseProxy(target)
	r := gin.New()
	r.Use(gin.Logger(), func(c *gin.Context) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				log.Printf("panic: %v", v)
				c.AbortWithStatus(http.StatusInternalServerError)
			}
		}()
		c.Next()
	})
	r.Any("/v1/*path", gin.WrapH(proxy))
	return r
}
