#!/usr/bin/env bash
# `otai mcp` against the official Python MCP SDK (a client otai did not write), over stdio and
# streamable HTTP. Installs python3-venv if needed and the `mcp` package into a venv outside the
# repository; safe to re-run.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${OTAI_CI_VENV:-/var/tmp/otai-ci-venv}
if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
  apt-get update -q && apt-get install -y -q python3-venv
fi
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -c 'import mcp' 2>/dev/null || "$VENV/bin/pip" install -q mcp

cargo build -p otai-cli --locked
"$VENV/bin/python" tests/python/mcp_client.py "$(pwd)/target/debug/otai"
