// Command golangci-lint is golangci-lint v2 with the streamvet module
// plugin linked in, as the main package that `golangci-lint custom`
// generates: a blank import of each plugin and golangci-lint's own
// command entry point.
package main

import (
	"fmt"
	"os"
	"runtime/debug"

	"github.com/golangci/golangci-lint/v2/pkg/commands"
	"github.com/golangci/golangci-lint/v2/pkg/exitcodes"

	_ "github.com/streamvet/streamvet/plugin"
)

func main() {
	info := commands.BuildInfo{Version: "(unknown)", Commit: "streamvet plugin", Date: "(unknown)", GoVersion: "(unknown)"}
	if bi, ok := debug.ReadBuildInfo(); ok {
		info.GoVersion = bi.GoVersion
		for _, dep := range bi.Deps {
			if dep.Path == "github.com/golangci/golangci-lint/v2" {
				info.Version = dep.Version
			}
		}
	}
	if err := commands.Execute(info); err != nil {
		fmt.Fprintf(os.Stderr, "The command is terminated due to an error: %v\n", err)
		os.Exit(exitcodes.Failure)
	}
}
