"""`otai mcp` driven by the official Python MCP SDK (the `mcp` package), a client otai did not
write: over stdio and over streamable HTTP, against a local store.

    python tests/python/mcp_client.py path/to/otai

Every step is asserted; the script exits non-zero on the first failure.
"""

import asyncio
import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from contextlib import asynccontextmanager
from pathlib import Path

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

from mcp.client import streamable_http

TOKEN = "python-client-token-0123456789"

SEED = """\
- subject: Printer on fire in room 42
  body: The printer in room 42 is on fire. Please help!
  queue: Raw
- subject: Cannot log in to VPN
  body: Since this morning my VPN password is rejected.
  queue: Raw
- subject: Secret board minutes
  body: Not for agents.
  queue: Board
"""


def config(writes: bool) -> str:
    lines = [
        "services:",
        "  - id: store",
        "    use: local",
        "    params:",
        "      path: store.sqlite3",
        "      seed: seed.yml",
        "mcp:",
        "  queues:",
        "    read: [Raw, IT Access]",
        "  max_writes: 10",
        "  token: '${{ secrets.MCP_TOKEN }}'",
    ]
    if writes:
        lines.append("  writes: [create_ticket, update_ticket, add_note]")
    return "\n".join(lines) + "\n"


def is_error(result) -> bool:
    """Whether a tool result is an error (the SDK spells the field `is_error` or `isError`)."""
    return bool(getattr(result, "is_error", None) or getattr(result, "isError", None))


def payload(result):
    """The JSON of a successful tool result."""
    assert not is_error(result), f"tool error: {result.content}"
    return json.loads(result.content[0].text)


def error_text(result) -> str:
    assert is_error(result), f"expected a tool error, got {result.content}"
    return result.content[0].text


@asynccontextmanager
async def http_streams(url: str, headers: dict):
    """The SDK's streamable HTTP client, in its current form or the older one."""
    if hasattr(streamable_http, "streamable_http_client"):
        client = streamable_http.create_mcp_http_client(headers=headers)
        async with client:
            async with streamable_http.streamable_http_client(url, http_client=client) as streams:
                yield streams[0], streams[1]
    else:  # pragma: no cover
        async with streamable_http.streamablehttp_client(url, headers=headers) as streams:
            yield streams[0], streams[1]


async def triage(session: ClientSession, writes: bool) -> None:
    await session.initialize()
    names = [t.name for t in (await session.list_tools()).tools]
    expected = ["list_services", "find_tickets", "get_ticket"]
    if writes:
        expected += ["create_ticket", "update_ticket", "add_note"]
    assert names == expected, names

    services = payload(await session.call_tool("list_services", {}))
    assert services["services"] == [{"id": "store", "kind": "local"}], services

    found = payload(await session.call_tool("find_tickets", {"queue": "Raw"}))
    subjects = sorted(t["subject"] for t in found["tickets"])
    assert "Printer on fire in room 42" in subjects, subjects

    board = error_text(await session.call_tool("find_tickets", {"queue": "Board"}))
    assert "may not be read" in board, board

    bad = error_text(await session.call_tool("find_tickets", {"queu": "Raw"}))
    assert "did you mean `queue`" in bad, bad

    if not writes:
        refused = error_text(
            await session.call_tool("create_ticket", {"subject": "x", "queue": "Raw"})
        )
        assert "turned off" in refused, refused
        return

    created = payload(
        await session.call_tool(
            "create_ticket",
            {"subject": "Mouse broken", "queue": "Raw", "body": "left button"},
        )
    )
    ticket_id = created["id"]
    updated = payload(
        await session.call_tool(
            "update_ticket", {"ticket_id": ticket_id, "queue": "IT Access"}
        )
    )
    assert updated["queue"]["name"] == "IT Access", updated
    noted = payload(
        await session.call_tool("add_note", {"ticket_id": ticket_id, "body": "ordered a new one"})
    )
    assert noted["notes"][-1]["internal"] is True, noted["notes"][-1]
    got = payload(await session.call_tool("get_ticket", {"ticket_id": ticket_id}))
    assert got["notes"][-1]["body"] == "ordered a new one", got


@asynccontextmanager
async def over_stdio(otai: str, workdir: Path):
    params = StdioServerParameters(
        command=otai,
        args=["mcp", "-c", str(workdir / "otai.yml")],
        env={**os.environ, "MCP_TOKEN": TOKEN},
    )
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            yield session


def assert_refused_without_token(url: str) -> None:
    request = urllib.request.Request(
        url,
        data=b'{"jsonrpc":"2.0","id":1,"method":"ping"}',
        headers={
            "Content-Type": "application/json",
            "Accept": "application/json, text/event-stream",
        },
    )
    try:
        urllib.request.urlopen(request, timeout=10)
    except urllib.error.HTTPError as e:
        assert e.code == 401, e.code
    else:
        raise AssertionError("a request without the bearer token was served")


@asynccontextmanager
async def over_http(otai: str, workdir: Path):
    process = subprocess.Popen(
        [otai, "mcp", "-c", str(workdir / "otai.yml"), "--listen", "127.0.0.1:0"],
        stdout=subprocess.PIPE,
        env={**os.environ, "MCP_TOKEN": TOKEN},
        text=True,
    )
    try:
        line = process.stdout.readline() if process.stdout else ""
        match = re.search(r"listening on (http://\S+)", line)
        assert match, f"no address in {line!r}"
        url = match.group(1)
        assert_refused_without_token(url)
        headers = {"Authorization": f"Bearer {TOKEN}"}
        async with http_streams(url, headers) as (read, write):
            async with ClientSession(read, write) as session:
                yield session
    finally:
        process.terminate()
        process.wait(timeout=30)


async def main(otai: str) -> None:
    for transport in (over_stdio, over_http):
        for writes in (False, True):
            with tempfile.TemporaryDirectory() as tmp:
                workdir = Path(tmp)
                (workdir / "seed.yml").write_text(SEED)
                (workdir / "otai.yml").write_text(config(writes))
                async with transport(otai, workdir) as session:
                    await triage(session, writes)
            mode = "writes" if writes else "read-only"
            print(f"ok: {transport.__name__} ({mode})")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: mcp_client.py path/to/otai")
    asyncio.run(main(sys.argv[1]))
