#!/usr/bin/env bash
# Installs the MCP peers pinned in package-lock.json (the reference servers,
# the TypeScript SDK, the conformance suite) into DIR/node_modules with
# `npm ci`, unless DIR already holds this very lock file's install.
# Usage: install_peers.sh DIR        Exit 0 when installed; 3 when node or npm is missing.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
dir="${1:?usage: install_peers.sh DIR}"
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "install_peers: node and npm are needed for the MCP peers; skipping" >&2
  exit 3
fi
mkdir -p "$dir"
stamp="$dir/.installed-lock"
if [ -f "$stamp" ] && cmp -s "$stamp" "$here/package-lock.json" && [ -d "$dir/node_modules/@modelcontextprotocol" ]; then
  exit 0
fi
# One install at a time per folder (several configurations may share it).
exec 9>"$dir/.install.lock"
flock 9
if [ -f "$stamp" ] && cmp -s "$stamp" "$here/package-lock.json" && [ -d "$dir/node_modules/@modelcontextprotocol" ]; then
  exit 0
fi
cp "$here/package.json" "$here/package-lock.json" "$dir/"
(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
cp "$here/package-lock.json" "$stamp"
echo "install_peers: MCP peers installed in $dir"
