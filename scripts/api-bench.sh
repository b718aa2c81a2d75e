#!/usr/bin/env bash
# Measures the controller's HTTP server with wrk (docs/PERFORMANCE.md, "HTTP API and dashboard").
#
#   scripts/api-bench.sh                       # 10,000 resources, 10,000 finished runs, 10 s per endpoint
#   RESOURCES=1000 RUNS=1000 DURATION=5s scripts/api-bench.sh
#   REUSE=1 scripts/api-bench.sh               # keep the data directory of the last run
#
# Builds charter and charter-bench in release mode; `charter-bench api-data` generates the
# synthetic organization (reused from $DATA_DIR), bootstraps its `applied` tag and runs RUNS runs to
# completion; a `charter controller --http-listen` on that store proposes the repository's `main`
# (P-0001) in its first pass; then, after a warm-up, wrk loads each endpoint in turn with each
# count of CONNECTIONS (one wrk thread per connection, at most 2) and prints a table of requests/s
# and latency percentiles. One connection shows what a request costs; 32, how it holds under load.
set -euo pipefail

cd "$(dirname "$0")/.."
RESOURCES="${RESOURCES:-10000}"
RUNS="${RUNS:-10000}"
DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-1 32}"
DATA_DIR="${DATA_DIR:-${TMPDIR:-/tmp}/charter-api-bench}"
SCRATCH="${SCRATCH:-.build-bench}"
command -v wrk >/dev/null || { echo "api-bench: wrk is not installed (apt-get install wrk)" >&2; exit 1; }

echo "== build (release)" >&2
swift build -c release --scratch-path "$SCRATCH" --product charter-bench >&2
swift build -c release --scratch-path "$SCRATCH" --product charter >&2
BIN="$(swift build -c release --scratch-path "$SCRATCH" --show-bin-path)"

mkdir -p "$DATA_DIR"
if [[ "${REUSE:-0}" != 1 || ! -d "$DATA_DIR/data" ]]; then
    "$BIN/charter-bench" api-data --out "$DATA_DIR" --resources "$RESOURCES" --runs "$RUNS" >&2
fi
repo="$DATA_DIR/org-$RESOURCES-seed42"
data="$DATA_DIR/data"

log="$DATA_DIR/controller.log"
CHARTER_DATA_DIR="$data" "$BIN/charter" controller "$repo" --interval 1h --no-write-back \
    --http-listen 127.0.0.1:0 2> "$log" &
controller=$!
trap 'kill -TERM $controller 2>/dev/null || true; wait $controller 2>/dev/null || true' EXIT
port=""
for _ in $(seq 1 600); do
    port=$(grep -o 'address=127\.0\.0\.1:[0-9]*' "$log" | head -n 1 | cut -d: -f2 || true)
    [ -n "$port" ] && grep -q "ready: the first pass completed" "$log" && break
    kill -0 "$controller" 2>/dev/null || { cat "$log" >&2; exit 1; }
    sleep 0.1
done
base="http://127.0.0.1:$port"
curl -fsS "$base/api/v1/proposals/P-0001" > /dev/null || { echo "api-bench: no P-0001" >&2; cat "$log" >&2; exit 1; }

echo "== machine"
echo "cores: $(nproc)"
grep -m1 'model name' /proc/cpuinfo || true
echo "revision: $(git rev-parse --short HEAD)"
echo "resources: $RESOURCES, finished runs: $RUNS, wrk -d$DURATION"
echo
paths=(/api/v1/status /api/v1/proposals/P-0001 "/api/v1/runs?limit=50" /api/v1/runs/bench-009999 / /healthz)
for path in "${paths[@]}"; do wrk -t1 -c4 -d2s "$base$path" > /dev/null; done  # warm-up: caches, SQLite pages
echo "| endpoint | bytes | connections | requests/s | p50 ms | p90 ms | p99 ms | errors |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
ms() { awk -v q="$1" '$1 == q { v = $2; if (v ~ /us$/) { sub(/us$/, "", v); v /= 1000 } else if (v ~ /ms$/) { sub(/ms$/, "", v) } else if (v ~ /s$/) { sub(/s$/, "", v); v *= 1000 } printf "%.2f", v }' <<< "$out"; }
for path in "${paths[@]}"; do
    bytes=$(curl -fsS "$base$path" | wc -c)
    for connections in $CONNECTIONS; do
        threads=$(( connections < 2 ? connections : 2 ))
        out=$(wrk -t"$threads" -c"$connections" -d"$DURATION" --latency "$base$path")
        rps=$(awk '/^Requests\/sec/ {printf "%.0f", $2}' <<< "$out")
        errors=$(awk '/Non-2xx|Socket errors/ {printf "%s ", $0}' <<< "$out")
        echo "| \`$path\` | $bytes | $connections | $rps | $(ms 50%) | $(ms 90%) | $(ms 99%) | ${errors:-0} |"
    done
done
