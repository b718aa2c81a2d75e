#!/usr/bin/env bash
# The README demo: a fresh clone of example-repo, validated, bootstrapped, edited and planned.
set -euo pipefail
charter=$(realpath "${1:-.build/debug/charter}")
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/charter-demo.XXXXXX)
export CHARTER_DATA_DIR="$work/data"
org="$work/northwind"

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

cp -r "$root/example-repo" "$org"
git -C "$org" init -q -b main
git -C "$org" add -A
git -C "$org" -c user.name=Demo -c user.email=demo@northwind.example commit -q -m "Northwind Labs"

step charter validate "$org"
"$charter" validate "$org"

step charter apply --bootstrap "$org"
"$charter" apply --bootstrap "$org" | tail -n 3

step charter get teams
"$charter" get teams

step "edit teams/research.yaml: rename the team"
sed -i 's/displayName: Research$/displayName: Research Lab/' "$org/teams/research.yaml"

step charter plan "$org" --detailed-exitcode
set +e
"$charter" plan "$org" --detailed-exitcode
code=$?
set -e
echo "(exit code $code: 2 means there are changes)"
[ "$code" = 2 ] || { echo "demo: expected exit code 2" >&2; exit 1; }
echo
echo "Demo state is in $work (CHARTER_DATA_DIR=$CHARTER_DATA_DIR)."
