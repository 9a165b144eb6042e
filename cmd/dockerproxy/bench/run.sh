#!/usr/bin/env bash
# Benchmark dockerproxy against the direct socket, a stock
# httputil.ReverseProxy, nginx (proxy_buffering off) and HAProxy, on one
# real dockerd with a 400 MB image. Not a test: it prints tables.
#
# Needs root and the Debian packages docker.io docker-registry
# busybox-static nginx haproxy. BENCH_REPS sets repetitions (default 3).
# Takes about 10 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/../../.."
exec go test -tags bench -run '^TestBench$' -count=1 -timeout 60m -v ./cmd/dockerproxy/e2e "$@"
