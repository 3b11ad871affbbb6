#!/usr/bin/env bash
# Runs one client scenario of the MCP conformance suite against volley's
# conformance client: run_conformance.sh PEERS_DIR CLIENT SCENARIO.
# Exit 0 when the suite reports no failure and no warning; 3 (skip) when
# the peers are not installed (no node/npm).
set -uo pipefail
peers="$1"; client="$2"; scenario="$3"
suite="$peers/node_modules/.bin/conformance"
if [ ! -x "$suite" ]; then
  echo "skipped: the MCP conformance suite is not installed in $peers (node and npm are needed)"
  exit 3
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
"$suite" client --command "$client" --scenario "$scenario" --timeout 60000 --verbose
status=$?
[ $status -eq 0 ] || { echo "== the client's checks:"; cat results/*/checks.json 2>/dev/null | head -c 20000; }
exit $status
