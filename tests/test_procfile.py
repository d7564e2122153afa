"""The Procfile, run by honcho as a host without containers would: the production server,
the Celery worker and beat, on the local Redis and the test database (PostgreSQL in CI's
second run). A task created through the API shows on an open socket."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token
from websockets.asyncio.client import connect as ws_connect

from tests.servers import ROOT, _free_port
from tests.services import database_url, redis_url

pytestmark = pytest.mark.redis


def wait_for(check: Any, what: str, seconds: float = 40) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def test_honcho_runs_web_worker_and_beat_and_an_api_write_reaches_a_socket(
    transactional_db: Any, team: Any, alice: Any, bob: Any, tmp_path: Path
) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        "DATABASE_URL": database_url(),
        "REDIS_URL": redis_url(),
        "REDIS_PREFIX": "procfile",
        "HOST": "127.0.0.1",
        "WEB_CONCURRENCY": "1",
        "CELERY_WORKER_ARGS": "--concurrency=1 --without-gossip --without-mingle",
        "CELERY_BEAT_SCHEDULE_FILE": str(tmp_path / "beat-schedule"),
        "LIVE_LOG_LEVEL": "WARNING",
    }
    log_path = tmp_path / "honcho.log"
    with open(log_path, "w") as log:
        honcho = subprocess.Popen(
            [sys.executable, "-m", "honcho", "start", "-f", "Procfile", "-p", str(port), "--no-colour"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:

        def listening() -> bool:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                return True
            except OSError:
                return False

        output = log_path.read_text
        wait_for(listening, "the web process")
        wait_for(lambda: "ready." in output() and "beat: Starting" in output(), "worker and beat")
        token = Token.objects.create(user=alice).key
        client = Client()
        client.force_login(bob)
        cookie = f"sessionid={client.cookies['sessionid'].value}"
        url = f"http://127.0.0.1:{port}"

        async def scenario() -> str:
            async with ws_connect(
                url.replace("http", "ws") + f"/ws/boards/{team.pk}/",
                additional_headers={"Cookie": cookie},
                origin=url,
            ) as ws:
                await asyncio.wait_for(ws.recv(), 10)  # snapshot
                request = urllib.request.Request(
                    url + "/api/tasks/",
                    data=json.dumps({"title": "Made under honcho"}).encode(),
                    headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
                )
                await asyncio.to_thread(urllib.request.urlopen, request, timeout=10)
                while True:
                    frame = await asyncio.wait_for(ws.recv(), 10)
                    if "Made under honcho" in frame:
                        return frame

        frame = asyncio.run(scenario())

        assert f'id="board-{team.pk}-open" hx-swap-oob="afterbegin"' in frame
        text = output()
        assert "web.1" in text and "worker.1" in text and "beat.1" in text
    finally:
        os.killpg(honcho.pid, signal.SIGTERM)
        try:
            honcho.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(honcho.pid, signal.SIGKILL)
            honcho.wait()
