// Package requestpath lists parameter types of real frameworks: a function
// taking one of the first kind serves requests; the others do not.
package requestpath

import (
	"context"
	"io"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/go-chi/chi/v5"
	"github.com/gofiber/fiber/v2"
	"github.com/gorilla/mux"
	"github.com/julienschmidt/httprouter"
	echo4 "github.com/labstack/echo/v4"
	echo5 "github.com/labstack/echo/v5"
	"github.com/valyala/fasthttp"
)

func handler(w http.ResponseWriter, r *http.Request) {} // want "request path"

func routed(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {} // want "request path"

func ginHandler(c *gin.Context) {} // want "request path"

func echo4Handler(c echo4.Context) error { return nil } // want "request path"

func echo5Handler(c *echo5.Context) error { return nil } // want "request path"

func echo4Response(r *echo4.Response) {} // want "request path"

// A local context that holds the writer in a field, one embedded level down.
type base struct{ W http.ResponseWriter }

type local struct {
	base
	name string
}

func localHandler(c *local) {} // want "request path"

// A local context that hands the writer out through a method.
type getter struct{ w http.ResponseWriter }

func (g getter) Writer() http.ResponseWriter { return g.w }

func getterHandler(g getter) {} // want "request path"

// ok: fiber and fasthttp are another HTTP stack, with no net/http ResponseWriter
func fiberHandler(c *fiber.Ctx) error { return nil }

// ok: fasthttp's context writes, but not through net/http
func fasthttpHandler(ctx *fasthttp.RequestCtx) {}

// ok: routers and engines serve requests; they hold no response
func registerGin(r *gin.Engine) {}

// ok: an echo instance serves requests (its AcquireContext is not a request)
func registerEcho4(e *echo4.Echo) {}

// ok: an echo v5 instance serves requests
func registerEcho5(e *echo5.Echo) {}

// ok: a chi router serves requests
func registerChi(r chi.Router) {}

// ok: a gorilla router serves requests
func registerMux(r *mux.Router) {}

// ok: a server holds a handler, not a response
func serve(s *http.Server) {}

// ok: a request alone cannot write the response
func request(r *http.Request) {}

// ok: a plain writer is not a ResponseWriter
func write(ctx context.Context, w io.Writer) {}

// ok: a handler value is called, not read
func takesHandler(h http.HandlerFunc) {}
