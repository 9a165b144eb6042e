// Command dockerproxy serves the Docker Engine API over HTTPS in front of a
// daemon's unix socket, without cutting long pushes, builds, log follows
// or event streams.
//
// Usage:
//
//	dockerproxy [flags]             serve (see -h for the flags)
//	dockerproxy gen-certs [flags]   write a CA, a server and a client certificate
//
// Quick start:
//
//	dockerproxy gen-certs -dir ./certs -hosts 127.0.0.1,localhost
//	dockerproxy -tls-dir ./certs
//	DOCKER_HOST=tcp://127.0.0.1:2376 DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=./certs docker info
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/streamvet/streamvet/cmd/dockerproxy/internal/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if err := app.Main(ctx, os.Args[1:], os.Getenv, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "dockerproxy:", err)
		os.Exit(2)
	}
}
