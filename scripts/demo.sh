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

git_org() { git -C "$org" -c user.name=Demo -c user.email=demo@northwind.example "$@"; }

step "git commit -am 'Rename research'   # the change lands on main"
git_org commit -q -am "Rename research"

step charter reconcile --once "$org"
"$charter" reconcile --once "$org"

step charter proposals
"$charter" proposals

step "charter vote P-0001 approve --as priya / --as jonas   # two change-board members sign with their demo keys"
"$charter" vote P-0001 approve --as priya --key "$org/demo-keys/priya" "$org"
"$charter" vote P-0001 approve --as jonas --key "$org/demo-keys/jonas" "$org"

step charter reconcile --once "$org"
"$charter" reconcile --once "$org"

step charter show P-0001
"$charter" show P-0001

step "git log --oneline charter/status   # everything is readable in the repository"
git -C "$org" log --oneline charter/status
git -C "$org" show charter/status:STATUS.md | head -n 8

echo
echo "Demo state is in $work (CHARTER_DATA_DIR=$CHARTER_DATA_DIR)."
