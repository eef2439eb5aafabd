#!/usr/bin/env bash
# Starts `otai serve` on a sample configuration, fetches its OpenAPI document and validates it
# with openapi-spec-validator (in a venv under /var/tmp). Safe to re-run.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${OTAI_OPENAPI_VENV:-/var/tmp/otai-openapi-venv}
if [ ! -x "$VENV/bin/openapi-spec-validator" ]; then
  if ! python3 -m venv "$VENV" 2>/dev/null; then
    apt-get update -q && apt-get install -y -q python3-venv
    python3 -m venv "$VENV"
  fi
  "$VENV/bin/pip" install -q openapi-spec-validator
fi

cargo build -p otai-cli --locked
WORK=$(mktemp -d)
SERVER=
cleanup() {
  if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
cat > "$WORK/otai.yml" <<'YAML'
services:
  - id: helpdesk
    use: local
    params: {path: ':memory:'}
state:
  path: ':memory:'
server:
  listen: 127.0.0.1:0
inbound:
  - id: monitoring
    service: helpdesk
    accounts:
      - { name: zabbix, token: ci-token }
      - { name: nagios, username: nagios, password: ci-password }
    external_id: '{{ payload.event_id }}'
    validate:
      event_id: { required: true, type: string, max_length: 64 }
      severity: { required: true, enum: [info, warning, critical] }
      host.name: { required: true, type: string, max_length: 255 }
      count:    { type: integer, minimum: 0, maximum: 10 }
      tags:     { type: array, max_length: 5 }
      contact:  { type: string, pattern: '^[^@\s]+@[^@\s]+$' }
    ticket:
      subject: '[{{ payload.severity }}] {{ payload.host.name }}'
      queue: Raw
  - id: crm
    service: helpdesk
    accounts:
      - { name: crm, token: crm-token }
    unknown_fields: ignore
    ticket: { subject: '{{ payload.title }}', queue: Raw }
YAML
target/debug/otai serve -c "$WORK/otai.yml" > "$WORK/out" &
SERVER=$!
for _ in $(seq 50); do
  grep -q '^serving on ' "$WORK/out" 2>/dev/null && break
  sleep 0.2
done
URL=$(sed -n 's/^serving on //p' "$WORK/out")
[ -n "$URL" ] || { echo "otai serve did not start"; exit 1; }
curl -fsS "$URL/api/v1/openapi.json" -o "$WORK/openapi.json"
"$VENV/bin/openapi-spec-validator" "$WORK/openapi.json"
