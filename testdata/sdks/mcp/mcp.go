// Package mcp serves MCP servers of the two Go SDKs: their SSE and
// streamable HTTP handlers keep a response open and flush events into it
// from the SDK's own code.
package mcp

import (
	"net/http"
	"time"

	mcpgo "github.com/mark3labs/mcp-go/server"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

func serve(h http.Handler) *http.Server { // want serve:"serves arg0 with WriteTimeout 30s"
	return &http.Server{Addr: ":8080", Handler: h, ReadHeaderTimeout: time.Second,
		WriteTimeout: 30 * time.Second} // want `WriteTimeout \(30s\) cuts streaming responses of the handler literal \(events flushed through w, github.com/modelcontextprotocol/go-sdk@v[^/]+/mcp/streamable.go:\d+\)`
}

// go-sdk's SSE handler on a mux: the handler stores its writer in the
// session's transport, which the server's goroutine flushes events into.
func goSDKSSE(s *mcp.Server) *http.Server {
	mux := http.NewServeMux()
	mux.Handle("/sse", mcp.NewSSEHandler(func(*http.Request) *mcp.Server { return s }, nil))
	return &http.Server{Addr: ":8081", Handler: mux, ReadHeaderTimeout: time.Second,
		WriteTimeout: 30 * time.Second} // want `WriteTimeout \(30s\) cuts streaming responses of mux \(events flushed through Response, github.com/modelcontextprotocol/go-sdk@v[^/]+/mcp/sse.go:\d+\)`
}

// go-sdk's streamable handler through a server builder.
func goSDKStreamable(s *mcp.Server) *http.Server {
	return serve(mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return s }, nil))
}

// mcp-go's SSE server on a mux.
func mcpGoSSE(s *mcpgo.MCPServer) *http.Server {
	mux := http.NewServeMux()
	mux.Handle("/sse", mcpgo.NewSSEServer(s))
	return &http.Server{Addr: ":8082", Handler: mux, ReadHeaderTimeout: time.Second,
		WriteTimeout: 30 * time.Second} // want `WriteTimeout \(30s\) cuts streaming responses of mux \(a Flush loop, github.com/mark3labs/mcp-go@v[^/]+/server/sse.go:\d+\)`
}

// ok: the corrected form: no absolute WriteTimeout, slow clients bounded
// by ReadHeaderTimeout and idle connections by IdleTimeout.
func goSDKSSEFixed(s *mcp.Server) *http.Server {
	mux := http.NewServeMux()
	mux.Handle("/sse", mcp.NewSSEHandler(func(*http.Request) *mcp.Server { return s }, nil))
	mux.Handle("/mcp", mcpgo.NewStreamableHTTPServer(mcpgo.NewMCPServer("x", "1")))
	return &http.Server{Addr: ":8083", Handler: mux, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
}
