#!/usr/bin/env bash
# Reproduces the numbers in docs/PERFORMANCE.md.
#
#   scripts/bench.sh                      # 1k, 10k and 100k resources, 5 iterations (3 for 100k)
#   SIZES=1000,10000 ITERATIONS=9 scripts/bench.sh
#   HYPERFINE_SIZE=0 scripts/bench.sh     # skip the end-to-end `charter plan` run
#
# Builds charter-bench (and charter, for the end-to-end run) in release mode, then runs
# `charter-bench run`, which generates each synthetic org once into $DATA_DIR (reused on later
# runs), measures it in a child process of its own and prints Markdown tables of medians.
# If hyperfine is installed, it also times the whole `charter plan` CLI on one size: the
# applied state is bootstrapped into a fresh data directory from the `applied` tag first.
set -euo pipefail

cd "$(dirname "$0")/.."
SIZES="${SIZES:-1000,10000,100000}"
ITERATIONS="${ITERATIONS:-5}"
SEED="${SEED:-42}"
DATA_DIR="${DATA_DIR:-${TMPDIR:-/tmp}/charter-bench-data}"
SCRATCH="${SCRATCH:-.build-bench}"
HYPERFINE_SIZE="${HYPERFINE_SIZE:-10000}"

echo "== machine"
echo "cores: $(nproc 2>/dev/null || sysctl -n hw.ncpu)"
grep -m1 'model name' /proc/cpuinfo 2>/dev/null || true
swift --version 2>&1 | head -1
echo "revision: $(git rev-parse --short HEAD 2>/dev/null)$(git diff --quiet HEAD -- Sources 2>/dev/null || echo ' (with uncommitted changes in Sources)')"
echo

echo "== build (release)" >&2
swift build -c release --scratch-path "$SCRATCH" --product charter-bench >&2
BIN="$(swift build -c release --scratch-path "$SCRATCH" --show-bin-path)"
mkdir -p "$DATA_DIR"

echo "== charter-bench run --resources $SIZES --iterations $ITERATIONS --seed $SEED"
"$BIN/charter-bench" run --resources "$SIZES" --iterations "$ITERATIONS" --seed "$SEED" --data-dir "$DATA_DIR"

if [[ "$HYPERFINE_SIZE" != 0 ]] && command -v hyperfine >/dev/null; then
    echo
    echo "== end to end: hyperfine 'charter plan' on $HYPERFINE_SIZE resources" >&2
    swift build -c release --scratch-path "$SCRATCH" --product charter >&2
    ORG="$DATA_DIR/org-$HYPERFINE_SIZE-seed$SEED"
    [[ -d "$ORG/.git" ]] || "$BIN/charter-bench" generate --resources "$HYPERFINE_SIZE" --seed "$SEED" --out "$ORG"
    STATE="$(mktemp -d)"
    trap 'rm -rf "$STATE"' EXIT
    "$BIN/charter" apply --bootstrap "$ORG" --rev applied --data-dir "$STATE" --actor bench >/dev/null
    hyperfine --warmup 1 --runs "$ITERATIONS" --export-markdown "$STATE/hyperfine.md" --style basic >&2 \
        -n "charter plan --rev main ($HYPERFINE_SIZE resources)" \
        "'$BIN/charter' plan '$ORG' --rev main --data-dir '$STATE' --no-color -o json > /dev/null" \
        -n "charter validate --rev main ($HYPERFINE_SIZE resources)" \
        "'$BIN/charter' validate '$ORG' --rev main --data-dir '$STATE' > /dev/null"
    cat "$STATE/hyperfine.md"
    echo
    echo "peak memory of one \`charter plan\` (GNU time):"
    /usr/bin/time -v "$BIN/charter" plan "$ORG" --rev main --data-dir "$STATE" -o json 2>&1 >/dev/null \
        | grep -E 'Maximum resident|Elapsed' || true
fi
