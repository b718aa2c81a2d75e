#!/usr/bin/env bash
# The long run of the randomized kill harness (Tests/CharterCLITests/KillHarnessTests.swift): real
# `charter` processes SIGKILLed at random instants of changes, votes, passes and runs, each followed
# by a normal pass and the invariants. CI runs 12 operations; this runs ITERATIONS (default 300).
#   scripts/kill-harness.sh [ITERATIONS] [SEED]
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --build-tests >/dev/null
CHARTER_KILL_ITERATIONS="${1:-300}" CHARTER_KILL_SEED="${2:-}" \
    swift test --skip-build --filter KillHarnessTests 2>&1 | grep -E "kill harness:|✘|recorded an issue|Test run"
