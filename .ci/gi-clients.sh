#!/usr/bin/env bash
# `otai serve` as a Generic Interface provider against third-party clients otai did not write:
# a Perl SOAP::Lite requester (Debian's libsoap-lite-perl) on GenericTicketConnectorSOAP and
# PyOTRS (PyPI, in a venv under /var/tmp) on GenericTicketConnectorREST, both in front of the
# `local` store; then checks with `otai tickets` that the store holds their tickets and articles.
# Uses ${OTAI_BIN:-target/debug/otai} (builds it if missing). Safe to re-run; KEEP=1 keeps
# the temporary directory (config, store, logs).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { echo "== gi-clients: $*"; }

apt_install() {
  for attempt in 1 2 3; do
    apt-get update -q && apt-get install -y -q "$@" && return 0
    echo "apt-get failed (attempt $attempt), retrying"
    sleep 5
  done
  return 1
}

step "SOAP::Lite and PyOTRS"
command -v curl > /dev/null || apt_install curl
command -v python3 > /dev/null || apt_install python3
perl -MSOAP::Lite -e1 2>/dev/null || apt_install libsoap-lite-perl
VENV=${OTAI_GI_VENV:-/var/tmp/otai-gi-clients-venv}
if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then apt_install python3-venv; fi
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -c 'import pyotrs' 2>/dev/null || "$VENV/bin/pip" install -q PyOTRS

OTAI=${OTAI_BIN:-target/debug/otai}
if [ ! -x "$OTAI" ]; then
  step "building $OTAI"
  cargo build -p otai-cli --locked
  OTAI=target/debug/otai
fi
OTAI=$(realpath "$OTAI")

WORK=$(mktemp -d)
SERVER=
cleanup() {
  status=$?
  if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; fi
  if [ "$status" -ne 0 ]; then
    echo "== gi-clients: FAILED; otai serve log:"
    cat "$WORK/serve.out" "$WORK/serve.log" 2>/dev/null || true
  fi
  [ -n "${KEEP:-}" ] || rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT

# The agent's password is a secret, read from the environment (`${{ secrets.NAME }}`).
export GI_AGENT_PASSWORD="ci-$RANDOM-$RANDOM"
cat > "$WORK/otai.yml" <<'YAML'
services:
  - id: helpdesk
    use: local
    params: {path: tickets.sqlite}
state:
  path: state.sqlite
server:
  listen: 127.0.0.1:0
webservices:
  - name: GenericTicketConnectorREST
    id: 1
    service: helpdesk
    transport: {type: rest}
    operations:
      SessionCreate: {type: Session::SessionCreate}
      TicketCreate: {type: Ticket::TicketCreate}
      TicketGet: {type: Ticket::TicketGet}
      TicketSearch: {type: Ticket::TicketSearch}
      TicketUpdate: {type: Ticket::TicketUpdate}
    users: [{login: ci-agent, password: '${{ secrets.GI_AGENT_PASSWORD }}'}]
  - name: GenericTicketConnectorSOAP
    id: 2
    service: helpdesk
    transport: {type: soap, namespace: 'http://www.otrs.org/TicketConnector/'}
    operations:
      SessionCreate: {type: Session::SessionCreate}
      TicketCreate: {type: Ticket::TicketCreate}
      TicketGet: {type: Ticket::TicketGet}
      TicketSearch: {type: Ticket::TicketSearch}
      TicketUpdate: {type: Ticket::TicketUpdate}
    users: [{login: ci-agent, password: '${{ secrets.GI_AGENT_PASSWORD }}'}]
YAML

step "starting otai serve"
(cd "$WORK" && exec "$OTAI" -v serve -c otai.yml > serve.out 2> serve.log) &
SERVER=$!
URL=
for _ in $(seq 100); do
  URL=$(sed -n 's/^serving on //p' "$WORK/serve.out" 2>/dev/null)
  [ -n "$URL" ] && curl -fsS "$URL/healthz" > /dev/null 2>&1 && break
  kill -0 "$SERVER" 2>/dev/null || { echo "otai serve exited"; exit 1; }
  URL=
  sleep 0.2
done
[ -n "$URL" ] || { echo "otai serve did not answer /healthz"; exit 1; }
GI=/otobo/nph-genericinterface.pl/Webservice

# Both clients run even if the first fails; the store is checked for each ticket created.
FAILED=()
IDS=()
step "SOAP::Lite on $URL$GI/GenericTicketConnectorSOAP"
perl tests/gi-clients/soap_lite.pl "$URL$GI/GenericTicketConnectorSOAP" \
    'http://www.otrs.org/TicketConnector/' ci-agent "$GI_AGENT_PASSWORD" > "$WORK/soap.out" 2>&1 || FAILED+=(SOAP::Lite)
cat "$WORK/soap.out"
id=$(sed -n 's/^created TicketID //p' "$WORK/soap.out")
[ -z "$id" ] || IDS+=("$id:SOAP::Lite")

step "PyOTRS on $URL$GI/GenericTicketConnectorREST"
"$VENV/bin/python" tests/gi-clients/pyotrs_client.py "$URL" "$GI/" ci-agent \
    "$GI_AGENT_PASSWORD" "$WORK/pyotrs-session" > "$WORK/pyotrs.out" 2>&1 || FAILED+=(PyOTRS)
cat "$WORK/pyotrs.out"
id=$(sed -n 's/^created TicketID //p' "$WORK/pyotrs.out")
[ -z "$id" ] || IDS+=("$id:PyOTRS")

step "stopping otai serve; reading the local store"
kill "$SERVER"
wait "$SERVER" || true
SERVER=
for pair in "${IDS[@]}"; do
  id=${pair%%:*} client=${pair#*:}
  (cd "$WORK" && "$OTAI" tickets get "$id" --json -c otai.yml) > "$WORK/ticket.json"
  python3 - "$WORK/ticket.json" "$client" <<'PY' || FAILED+=("$client in the store")
import json, sys
ticket = json.load(open(sys.argv[1]))
client = sys.argv[2]
text = json.dumps(ticket)
for want in (f"{client} ticket", f"Created by {client}", f"Updated by {client}"):
    if want not in text:
        sys.exit(f"the local store's ticket lacks {want!r}: {text}")
print(f"local store: the {client} ticket with both articles: ok")
PY
done
if [ ${#FAILED[@]} -gt 0 ]; then
  echo "== gi-clients: failed: ${FAILED[*]}"
  exit 1
fi
step "ok"
