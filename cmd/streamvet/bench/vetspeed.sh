#!/usr/bin/env bash
# vetspeed.sh compares the wall time of `go vet -vettool=streamvet` with
# `go vet` and its default analyzers on the same package sets, and runs
# streamvet standalone on them to list its findings.
#
# Usage: cmd/streamvet/bench/vetspeed.sh [package sets...]   (default: std all)
# The sets are resolved in (a copy of) this module: all is this module's
# packages and their dependencies, each with its tests.
#   OUT=dir      keep results here (default: a new temporary directory)
#   REPEAT=n     timed runs per tool and set; the median is reported (default 1)
#
# Fairness: go vet caches its results per package, keyed by the tool's
# identity and flags, and both tools need the same compiled export data.
# So, for each package set, the script first fills a private build cache by
# vetting the set once with a third configuration (go vet with a no-op
# -printf.funcs setting), which compiles every package and test variant but
# stores no result either timed run can reuse. It snapshots that cache, and
# every timed run starts from a fresh copy of the snapshot (the copy is not
# timed). Each timed run therefore compiles nothing and analyzes the whole
# dependency closure for facts, exactly as a first run after a build does.
# The two tools run alternately, so that machine noise hits both.
set -euo pipefail

root=$(cd "$(dirname "$0")/../../.." && pwd)
sets=("$@")
[ ${#sets[@]} -gt 0 ] || sets=(std all)
repeat=${REPEAT:-1}
out=${OUT:-$(mktemp -d)}
mkdir -p "$out"
work=$(mktemp -d)
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT

export GOWORK=off GOFLAGS=-buildvcs=false
cd "$root"
go build -o "$work/streamvet" ./cmd/streamvet
sv=$work/streamvet

# Vet a copy of the module whose go.sum also covers the tests of its
# dependencies: go vet all (and streamvet all) vet every package of all
# with its tests, and a go.sum that only builds the module leaves those
# out with "missing go.sum entry" errors. Completing it may download.
mkdir "$work/mod"
tar -C "$root" --exclude=.git -cf - . | tar -C "$work/mod" -xf -
cd "$work/mod"
GOFLAGS="$GOFLAGS -mod=mod" go list -test -deps all >/dev/null
echo "go: $(go version)  cpus: $(nproc)  streamvet analyzers: $("$sv" -h 2>&1 | awk '/^Analyzers/{a=1;next} a&&/^  [a-z]/{printf "%s ", $1} /^Exit status/{exit}')"

# seconds runs a command with GOCACHE=$1 from a fresh copy of $2 and prints
# its wall time in seconds; the command's output goes to $3.
seconds() {
	local cache=$1 snap=$2 log=$3; shift 3
	chmod -R u+w "$cache" 2>/dev/null || true
	rm -rf "$cache"
	cp -a "$snap" "$cache"
	local t0 t1
	t0=$(date +%s.%N)
	GOCACHE=$cache "$@" >"$log" 2>&1 || true # findings exit non-zero
	t1=$(date +%s.%N)
	echo "$t1 - $t0" | bc
}

median() { sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }

printf '\n%-6s %12s %12s %8s\n' set "go vet (s)" "streamvet (s)" ratio
for set in "${sets[@]}"; do
	snap=$work/cache-$set
	GOCACHE=$snap go vet -printf.funcs=vetspeedwarmup "$set" >"$out/warm-$set.log" 2>&1 || true
	vet=() svt=()
	for i in $(seq "$repeat"); do
		vet+=("$(seconds "$work/run" "$snap" "$out/govet-$set.log" go vet "$set")")
		svt+=("$(seconds "$work/run" "$snap" "$out/streamvet-vet-$set.log" go vet -vettool="$sv" "$set")")
	done
	a=$(printf '%s\n' "${vet[@]}" | median)
	b=$(printf '%s\n' "${svt[@]}" | median)
	printf '%-6s %12.1f %12.1f %7.2fx\n' "$set" "$a" "$b" "$(echo "$b / $a" | bc -l)"
	chmod -R u+w "$snap" && rm -rf "$snap"
done

# Standalone findings: streamvet loads the packages from source itself.
echo
for set in "${sets[@]}"; do
	"$sv" "$set" >"$out/findings-$set.txt" 2>&1 || true
	echo "streamvet $set: $(grep -c '^[^[:space:]].*\.go:[0-9]*:[0-9]*: [^[:space:]]' "$out/findings-$set.txt" || true) findings -> $out/findings-$set.txt"
done
