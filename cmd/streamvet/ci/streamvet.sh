#!/usr/bin/env bash
# streamvet in any CI: builds streamvet from source at a pinned commit
# (once per commit: the binary is kept in $STREAMVET_DIR) and runs it with
# go vet on the packages given (./... by default). Exit status 1 on
# findings, as go vet's; with STREAMVET_SARIF=FILE it also writes the
# findings there as SARIF 2.1.0.
#
#   STREAMVET_REF=<commit> bash streamvet.sh ./...
set -euo pipefail

repo=${STREAMVET_REPO:-https://github.com/streamvet/streamvet}
ref=${STREAMVET_REF:-a7222cb7e31a2f328b24effff0e659d568ee4016}
dir=${STREAMVET_DIR:-${TMPDIR:-/tmp}/streamvet-$ref}
bin=$dir/bin/streamvet

if [ ! -x "$bin" ]; then
	rm -rf "$dir/src"
	git clone --quiet "$repo" "$dir/src"
	git -C "$dir/src" checkout --quiet "$ref"
	(cd "$dir/src" && go build -o "$bin" ./cmd/streamvet)
fi
"$bin" -V=full >&2

if [ $# -eq 0 ]; then
	set -- ./...
fi
if [ -n "${STREAMVET_SARIF:-}" ]; then
	"$bin" -sarif "$@" >"$STREAMVET_SARIF"
fi
go vet -vettool="$bin" "$@"
