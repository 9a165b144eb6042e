package e2e

// The tests run a dockerproxy binary they build themselves. Importing its
// code here makes go test's result cache depend on that code, so a change
// to the proxy reruns them instead of reporting a stale pass.
import _ "github.com/streamvet/streamvet/cmd/dockerproxy/internal/app"
