"""Several server processes on Redis: a write handled by one reaches sockets held by another."""

from __future__ import annotations

import asyncio
import json
import urllib.request
from typing import Any

import pytest
from rest_framework.authtoken.models import Token
from websockets.asyncio.client import connect

from live.loadtest import Options, load_product
from tests.faultkit import cookie_for
from tests.services import redis_url

pytestmark = pytest.mark.redis


def test_a_write_through_one_server_reaches_a_socket_on_another(
    start_server: Any, team: Any, alice: Any, bob: Any
) -> None:
    shared = {"REDIS_URL": redis_url(), "REDIS_PREFIX": "scaleout"}
    holder = start_server(script="serve-prod.sh", WEB_CONCURRENCY="1", **shared)  # uvicorn
    writer = start_server(**shared)  # daphne, the development server, on the same Redis
    token = Token.objects.create(user=alice).key
    cookie = cookie_for(bob)

    async def scenario() -> str:
        async with connect(
            holder.url.replace("http", "ws") + f"/ws/boards/{team.pk}/",
            additional_headers={"Cookie": cookie},
            origin=holder.url,
        ) as socket:
            await asyncio.wait_for(socket.recv(), 10)  # snapshot
            request = urllib.request.Request(
                writer.url + "/api/tasks/",
                data=json.dumps({"title": "Across processes", "assignee": bob.pk}).encode(),
                headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
            )
            await asyncio.to_thread(urllib.request.urlopen, request, timeout=10)
            frames = []
            while len(frames) < 2:  # the board's change, and bob's notification
                frame = await asyncio.wait_for(socket.recv(), 10)
                if "Across processes" in frame:
                    frames.append(frame)
            return "".join(frames)

    frames = asyncio.run(scenario())

    assert f'id="board-{team.pk}-open" hx-swap-oob="afterbegin"' in frames
    assert 'id="notif-badge" hx-swap-oob="true"' in frames and "assigned you ‘Across processes’" in frames


def test_the_multi_worker_server_delivers_every_update(start_server: Any, team: Any) -> None:
    server = start_server(
        script="serve-prod.sh", WEB_CONCURRENCY="2", REDIS_URL=redis_url(), REDIS_PREFIX="workers"
    )
    options = Options(
        url=server.url, sockets=30, users=10, events=4, rate=10, progress=False, settle=10, max_seconds=60
    )

    result = load_product(options)

    assert (result.opened, result.delivered, result.expected) == (30, 120, 120)


def test_a_storm_of_simultaneous_handshakes_is_all_accepted(start_server: Any, team: Any) -> None:
    """Everyone returning at once after a restart: every handshake succeeds."""
    server = start_server(
        script="serve-prod.sh", WEB_CONCURRENCY="2", REDIS_URL=redis_url(), REDIS_PREFIX="storm"
    )
    options = Options(
        url=server.url,
        sockets=400,
        users=40,
        events=1,
        rate=10,
        ramp=400,
        progress=False,
        settle=15,
        max_seconds=120,
    )

    result = load_product(options)

    assert (result.opened, result.failed_opens, result.open_errors) == (400, 0, {})
    assert result.delivered == 400
