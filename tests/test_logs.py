"""Logs: plain text by default; with LOG_FORMAT=json one JSON object a line, carrying the
request id of a request and the route and user id of a socket (a real server's output)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from typing import Any

import pytest
from django.test import Client
from websockets.asyncio.client import connect as ws_connect

from tests.servers import ROOT

pytestmark = pytest.mark.django_db(transaction=True)

LOG_A_WARNING = (
    "import django, logging; django.setup(); "
    "from dashboard.logs import request_id; request_id.set('r-42'); "
    "logging.getLogger('live').warning('a hub said %s', 'Salom')"
)


def settings_process(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k not in {"LOG_FORMAT", "ACCESS_LOG"}}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**environ, "DJANGO_SETTINGS_MODULE": "dashboard.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_plain_text_is_the_default() -> None:
    line = settings_process(LOG_A_WARNING).stderr.strip()

    assert line.endswith(" WARNING live: a hub said Salom") and not line.startswith("{")


def test_json_lines_when_configured() -> None:
    record = json.loads(settings_process(LOG_A_WARNING, LOG_FORMAT="json").stderr)

    assert record["level"] == "WARNING" and record["logger"] == "live"
    assert record["message"] == "a hub said Salom" and record["request_id"] == "r-42" and "time" in record


def test_an_unknown_log_format_is_refused_at_start() -> None:
    result = settings_process("import django; django.setup()", LOG_FORMAT="xml")

    assert result.returncode != 0 and "LOG_FORMAT must be plain or json, not 'xml'" in result.stderr


def test_a_production_servers_json_log_has_request_ids_and_each_sockets_route_and_user(
    start_server: Any, team: Any, bob: Any
) -> None:
    server = start_server(script="serve-prod.sh", WEB_CONCURRENCY="1", LOG_FORMAT="json", ACCESS_LOG="1")
    client = Client()
    client.force_login(bob)
    cookie = f"sessionid={client.cookies['sessionid'].value}"

    given = urllib.request.Request(server.url + "/health/", headers={"X-Request-ID": "probe-7"})
    with urllib.request.urlopen(given, timeout=10) as response:
        echoed = response.headers["X-Request-ID"]
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(server.url + "/no-such-page/", timeout=10)
    made = missing.value.headers["X-Request-ID"]

    async def socket_session() -> None:
        url = server.url.replace("http", "ws") + f"/ws/boards/{team.pk}/"
        async with ws_connect(url, additional_headers={"Cookie": cookie}, origin=server.url) as socket:
            await asyncio.wait_for(socket.recv(), 10)

    asyncio.run(socket_session())
    deadline = time.monotonic() + 10
    while "socket closed" not in server.log_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    records = [json.loads(line) for line in server.log_text().splitlines() if line.strip()]

    assert echoed == "probe-7" and len(made) == 32
    assert any(
        r["logger"] == "requests" and r["request_id"] == "probe-7" and r["status"] == 200 for r in records
    )
    not_found = [r for r in records if r["logger"] == "django.request" and "/no-such-page/" in r["message"]]
    assert not_found and not_found[0]["request_id"] == made and not_found[0]["level"] == "WARNING"
    route = f"/ws/boards/{team.pk}/"
    sockets = [(r["message"], r["route"], r["user_id"]) for r in records if r["logger"] == "sockets"]
    assert ("socket opened", route, bob.pk) in sockets
    assert any(m.startswith("socket closed") and (rt, uid) == (route, bob.pk) for m, rt, uid in sockets)
