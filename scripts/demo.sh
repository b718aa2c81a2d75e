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
# There is no network here: serve the demo repository itself on loopback with git daemon, and point
# the standup routines at it, so their sandboxed `git clone` has something to read.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
git daemon --reuseaddr --base-path="$work" --export-all --listen=127.0.0.1 --port="$port" \
    --pid-file="$work/git-daemon.pid" --detach "$work"
trap 'kill "$(cat "$work/git-daemon.pid" 2>/dev/null)" 2>/dev/null || true' EXIT
sed -i "s|source: https://git.northwind.example/northwind/[a-z]*.git|source: git://127.0.0.1:$port/northwind|" \
    "$org/routines/research-standup.yaml" "$org/routines/platform-standup.yaml"
# Steps reach the network only where a Policy allows it, and loopback only by address: grant the
# standup's clone this one loopback port, visibly, in the example policy.
sed -i "s|allow: \[\"git.northwind.example:443\"\]|allow: [\"git.northwind.example:443\", \"127.0.0.1:$port\"]|" \
    "$org/policies/change-control.yaml"
grep -n "127.0.0.1:$port" "$org/policies/change-control.yaml"
# Agent steps call the OpenAI-compatible endpoint in CHARTER_DEMO_OPENAI_BASE_URL (OpenAI, vLLM,
# Ollama, LM Studio, a LiteLLM proxy…) with the key in OPENAI_API_KEY; without a key the OpenAI
# source is left out and the offline provider answers, and charter says so.
if [ -n "${CHARTER_DEMO_OPENAI_BASE_URL:-}" ]; then
    sed -i "s|endpoint: https://api.openai.com/v1|endpoint: $CHARTER_DEMO_OPENAI_BASE_URL|" "$org/capacity/sources.yaml"
    [ -n "${CHARTER_DEMO_OPENAI_MODEL:-}" ] && sed -i "s|model: gpt-4o|model: $CHARTER_DEMO_OPENAI_MODEL|" "$org/capacity/sources.yaml"
fi
# The operations agent needs a model that decides to call tools. No model is configured here, so a
# scripted stand-in on loopback plays one (Tests/Fixtures/agent-model.py, the loop tests' model): it
# asks for a denied tool, writes a report (held for the change board) and proposes pausing a routine.
# Its endpoint is on loopback, which the example Organization's spec.endpoints.allowCIDRs allows.
# With a real tool-capable model (docs/AGENTS.md), leave the operator on the `standard` class.
mport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >> "$org/capacity/sources.yaml" <<YAML
---
apiVersion: charter/v1
kind: CapacitySource
metadata:
  name: stand-in-model
spec:
  provider: openai
  class: operations
  endpoint: http://127.0.0.1:$mport/v1
  model: scripted-operator
  credential:
    env: DEMO_MODEL_KEY
YAML
sed -i 's/^  capacityClass: standard$/  capacityClass: operations/' "$org/roles/operator.yaml"
export DEMO_MODEL_KEY=demo-not-a-secret
python3 - "$org/routines/weekly-all-hands.yaml" "$work/model.json" <<'PY'
import json, sys
routine = open(sys.argv[1]).read()
paused = routine.replace("  template: weekly-all-hands\n", "  template: weekly-all-hands\n  enabled: false\n")
call = lambda name, args: {"name": name, "arguments": json.dumps(args)}
json.dump({"turns": [
    {"text": "Checking recent runs.", "calls": [call("web__fetch", {"url": "https://status.northwind.example"}),
                                                call("org__runs", {"recent": True})]},
    {"calls": [call("files__write", {"path": "report.md", "content": "# Routine health\n\nweekly-all-hands failed three Mondays in a row.\n"})]},
    {"calls": [call("org__propose", {"title": "Pause weekly-all-hands", "description": "It failed three Mondays in a row; pause it until the agenda source is fixed.",
                                     "files": [{"path": "routines/weekly-all-hands.yaml", "content": paused}]})]},
], "answer": "Wrote report.md and proposed pausing weekly-all-hands."}, open(sys.argv[2], "w"))
PY
python3 "$root/Tests/Fixtures/agent-model.py" "$mport" "$work/model.json" "$work/model-requests.jsonl" &
echo $! > "$work/model.pid"
trap 'kill "$(cat "$work/git-daemon.pid" 2>/dev/null)" "$(cat "$work/model.pid" 2>/dev/null)" 2>/dev/null || true' EXIT

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

step "charter schedule next research-standup   # the next ticks, in New York and UTC"
"$charter" schedule next research-standup "$org" --count 3
next=$("$charter" schedule next research-standup "$org" --count 1 -o json)
tick=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["fires"][0]["utc"])' "$next")
run=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["fires"][0]["runId"])' "$next")
later=$(python3 -c 'import sys,datetime; t=datetime.datetime.fromisoformat(sys.argv[1].replace("Z","+00:00")); print((t+datetime.timedelta(seconds=30)).strftime("%Y-%m-%dT%H:%M:%SZ"))' "$tick")

step "charter reconcile --once --now $later   # travel to the tick: research-standup fires (others in between are handled by their policies)"
"$charter" reconcile --once "$org" --now "$later"
"$charter" runs

step "charter show $run   # the scribe read the checkout through its tools (offline: list, read, answer)"
"$charter" show "$run"

step "git show charter/status:runs/$run/SUMMARY.md"
git -C "$org" show "charter/status:runs/$run/SUMMARY.md" | head -n 30

step "CHARTER_FAILPOINT=run.agent-started charter run --routine platform-standup   # killed mid-run"
set +e
CHARTER_FAILPOINT=run.agent-started "$charter" run --routine platform-standup
code=$?
set -e
echo "(exit code $code: the process was killed after the shell step, during the agent step)"
"$charter" runs --routine platform-standup

step "charter reconcile --once   # the run resumes: the finished shell step is not run again"
"$charter" reconcile --once "$org" --now "$later"
killed_run=$("$charter" runs --routine platform-standup -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
"$charter" show "$killed_run"

step "charter cost --by source   # every agent call, its tokens and its price, from the usage ledger"
"$charter" cost --by source

step "charter run routine-health   # the operations agent acts through tools, under the applied rules"
set +e
"$charter" run routine-health
code=$?
set -e
echo "(exit code $code: 3 means the run waits for a decision)"
[ "$code" = 3 ] || { echo "demo: expected the run to wait for the board" >&2; exit 1; }
health=$("$charter" runs -o json | python3 -c 'import json,sys; print([r for r in json.load(sys.stdin) if r["template"] == "routine-health"][0]["id"])')

step "charter reconcile --once   # the pass publishes the held call for the change board"
"$charter" reconcile --once "$org" | tail -n 3
git -C "$org" show "charter/status:runs/$health/approvals/check/call_1_0.json"; echo

step "charter vote $health/check/call_1_0 approve --as priya / --as jonas   # signed votes on that exact call"
"$charter" vote "$health/check/call_1_0" approve --as priya --key "$org/demo-keys/priya" "$org"
"$charter" vote "$health/check/call_1_0" approve --as jonas --key "$org/demo-keys/jonas" "$org"

step "charter reconcile --once   # approved: the write runs, the agent proposes pausing a routine"
"$charter" reconcile --once "$org" | tail -n 3
"$charter" show "$health"

step "charter reconcile --once   # the agent's branch becomes a proposal for the change board"
"$charter" reconcile --once "$org" | tail -n 3
agent_proposal=$("$charter" proposals --state open -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)[-1]["id"])')
"$charter" show "$agent_proposal" | head -n 20

step "charter vote $agent_proposal approve --as priya / --as lena   # the agent, its author, could never vote"
"$charter" vote "$agent_proposal" approve --as priya --key "$org/demo-keys/priya" "$org"
"$charter" vote "$agent_proposal" approve --as lena --key "$org/demo-keys/lena" "$org"
"$charter" reconcile --once "$org" | tail -n 3
"$charter" get routine weekly-all-hands -o yaml | grep -n "enabled"

step "charter verify && charter rebuild   # the status branch checks out and rebuilds the same state"
"$charter" verify "$org" | tail -n 2
"$charter" rebuild "$org" | tail -n 2

step "charter controller --http-listen 127.0.0.1:0   # the API, the dashboard and /metrics on one listener"
"$charter" controller "$org" --interval 1h --http-listen 127.0.0.1:0 2> "$work/controller.log" &
controller_pid=$!
port=""
for _ in $(seq 1 100); do
    port=$(grep -o 'address=127\.0\.0\.1:[0-9]*' "$work/controller.log" | head -n 1 | cut -d: -f2 || true)
    [ -n "$port" ] && grep -q "ready: the first pass completed" "$work/controller.log" && break
    sleep 0.1
done
curl -fsS "http://127.0.0.1:$port/api/v1/status" |
    python3 -c 'import json,sys; s=json.load(sys.stdin); print("applied", s["appliedRevision"][:12], [c["type"] for c in s["conditions"] if c["status"] == "True"])'
curl -fsS "http://127.0.0.1:$port/metrics" | grep -E '^charter_reconcile_passes_total' || true
kill -TERM "$controller_pid"
wait "$controller_pid"

echo
echo "Demo state is in $work (CHARTER_DATA_DIR=$CHARTER_DATA_DIR)."
echo "Open the dashboard and the API on it:"
echo "  CHARTER_DATA_DIR=$CHARTER_DATA_DIR $charter controller $org --http-listen 127.0.0.1:8080"
echo "  then http://127.0.0.1:8080/  (API: http://127.0.0.1:8080/api/v1/status, metrics: http://127.0.0.1:8080/metrics)"
