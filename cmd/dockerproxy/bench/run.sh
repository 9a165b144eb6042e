#!/usr/bin/env bash
# Benchmark dockerproxy against the direct socket, dockerd's own mTLS
# listener, a stock httputil.ReverseProxy, nginx (proxy_buffering off) and
# HAProxy, on one real dockerd with a 400 MB image, and streamsafe and the
# proxy handler with Go benchmarks. Not a test: it prints tables, every
# figure the median of BENCH_REPS (default 3) alternating rounds with the
# load average seen while it was measured.
#
# Needs root. Installs what is missing from Debian's packages: docker.io
# docker-registry busybox-static nginx haproxy. Takes about 12 minutes on
# 2 cores.
#
#   BENCH_REPS=3            rounds (at least 3 for a median worth the name)
#   BENCH_STREAMS=1000      idle /events streams per path for memory
#   BENCH_PARTS=transfer,ping,memory   which end-to-end parts
#   BENCH_GO=0              skip the Go benchmarks
set -euo pipefail
cd "$(dirname "$0")/../../.."

if [ "$(id -u)" != 0 ]; then
	echo "run.sh: needs root (dockerd, apt-get)" >&2
	exit 1
fi
missing=()
for pkg in docker.io docker-registry busybox-static nginx haproxy; do
	dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "installing ${missing[*]}"
	# Keep the packages' own services from starting: the benchmark runs
	# its own instances on free ports and nothing must be left running.
	policy=/usr/sbin/policy-rc.d
	added_policy=
	if [ ! -e "$policy" ]; then
		printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && added_policy=1
	fi
	log=$(mktemp)
	if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"; } >"$log" 2>&1; then
		cat "$log" >&2
		exit 1
	fi
	rm -f "$log"
	if [ -n "$added_policy" ]; then rm -f "$policy"; fi
fi

echo "== $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(go version | cut -d' ' -f3), $(nginx -v 2>&1 | cut -d' ' -f3), $(haproxy -v | head -1 | cut -d' ' -f1-3)"
reps=${BENCH_REPS:-3}
if [ "${BENCH_GO:-1}" != 0 ]; then
	echo "== streamsafe per request against the plain handler (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
	go test -run '^$' -bench 'RequestAdded' -count "$reps" ./runtime/streamsafe/ | grep -E '^Benchmark'
	echo "== HEAD /_ping in one process, bytes per request (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
	go test -run '^$' -bench 'Ping' -benchmem -count "$reps" ./cmd/dockerproxy/internal/proxy/ | grep -E '^Benchmark'
	echo
fi
echo "== end to end (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
exec go test -tags bench -run '^TestBench$' -count=1 -timeout 90m -v ./cmd/dockerproxy/e2e "$@"
