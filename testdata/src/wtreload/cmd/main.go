// Command cmd serves the gateway, and a status page on another port.
package main

import (
	"net/http"

	"wtreload/gateway"
	"wtreload/server"
)

func main() {
	p, err := gateway.New()
	if err != nil {
		panic(err)
	}
	if err := p.Update([]string{"a", "b"}); err != nil {
		panic(err)
	}
	var h http.Handler = p
	go server.NewProxy(h, ":8080").ListenAndServe() // want `NewProxy serves h \(io.Copy of resp.Body into the ResponseWriter, gateway.go:\d+\) on a server whose WriteTimeout \(writeTimeout, server.go:\d+\) cuts streaming responses`

	// ok: the status page writes one small document.
	server.NewProxy(gateway.NewStatus(), ":8081").ListenAndServe()
}
