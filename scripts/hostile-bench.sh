#!/usr/bin/env bash
# Reproduces the hostile-input figures in docs/PERFORMANCE.md.
#
#   scripts/hostile-bench.sh                         # every case
#   CASES=patterns,tree-bomb scripts/hostile-bench.sh
#
# Builds charter-bench and charter in release mode, then `charter-bench hostile` writes each
# hostile input as a git repository under $OUT (branch `proposals/hostile` on top of a
# one-Organization `main`) and loads it in a child process of its own, printing a Markdown table.
# Then the real CLI, `charter validate REPO --rev proposals/hostile`, runs on each under
# /usr/bin/time: wall time, peak RSS and the bytes it prints.
set -euo pipefail

cd "$(dirname "$0")/.."
OUT="${OUT:-${TMPDIR:-/tmp}/charter-hostile}"
SCRATCH="${SCRATCH:-.build-bench}"
CASES="${CASES:-}"

echo "== machine"
echo "cores: $(nproc 2>/dev/null || sysctl -n hw.ncpu)"
swift --version 2>&1 | head -1
echo "revision: $(git rev-parse --short HEAD 2>/dev/null)$(git diff --quiet HEAD -- Sources 2>/dev/null || echo ' (with uncommitted changes in Sources)')"
echo

echo "== build (release)" >&2
swift build -c release --scratch-path "$SCRATCH" --product charter-bench >&2
swift build -c release --scratch-path "$SCRATCH" --product charter >&2
BIN="$(swift build -c release --scratch-path "$SCRATCH" --show-bin-path)"

echo "== charter-bench hostile --out $OUT${CASES:+ --cases $CASES}"
"$BIN/charter-bench" hostile --out "$OUT" ${CASES:+--cases "$CASES"}

echo
echo "== charter validate REPO --rev proposals/hostile (end to end)"
echo "| case | exit | wall | peak RSS | output |"
echo "|---|---:|---:|---:|---:|"
DATA="$(mktemp -d)"
trap 'rm -rf "$DATA"' EXIT
for repo in "$OUT"/*/; do
    name="$(basename "$repo")"
    if [[ -n "$CASES" && ",$CASES," != *",$name,"* ]]; then continue; fi
    set +e
    /usr/bin/time -f "%e %M" -o "$DATA/time" env CHARTER_DATA_DIR="$DATA" \
        "$BIN/charter" validate "$repo" --rev proposals/hostile >"$DATA/out" 2>&1
    status=$?
    set -e
    read -r wall rss < <(tail -n 1 "$DATA/time")
    echo "| $name | $status | ${wall} s | $((rss / 1024)) MB | $(wc -c <"$DATA/out") B |"
done
