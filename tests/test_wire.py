"""Frames encoded once for many sockets (live/wire.py): the same bytes as the server's own
send() would put on the wire, and really used under uvicorn, the production server."""

from __future__ import annotations

import asyncio
import json
import urllib.request
from typing import Any

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token
from websockets.asyncio.client import connect
from websockets.protocol import State
from websockets.server import ServerProtocol

from live.wire import Outgoing


@pytest.mark.parametrize("text", ["", "hi", "é ü ‘quotes’ 🙂" * 50, "x" * 125, "x" * 126, "x" * 70_000])
def test_a_frame_encoded_once_is_what_the_servers_own_send_writes(text: str) -> None:
    protocol = ServerProtocol()  # what uvicorn's websockets-sansio send() runs
    protocol.state = State.OPEN
    protocol.send_text(text.encode())

    assert Outgoing(text).wire == b"".join(protocol.data_to_send())


@pytest.mark.parametrize("fast", [True, False], ids=["direct", "plain-send"])
def test_under_uvicorn_the_fan_out_writes_each_frame_encoded_once(
    start_server: Any, team: Any, alice: Any, bob: Any, fast: bool
) -> None:
    """Three pages on uvicorn get a task event whole and in order with their heartbeat, every
    frame through the direct path; the server's counters say so. With LIVE_FAST_UVICORN=0
    the same frames arrive through the server's own send() alone."""
    server = start_server(
        script="serve-prod.sh", WEB_CONCURRENCY="1", LIVE_HEARTBEAT="1", LIVE_FAST_UVICORN=str(int(fast))
    )
    client = Client()
    client.force_login(bob)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    staff = Token.objects.create(user=alice).key
    alice.is_staff = True
    alice.save()

    def get(path: str) -> Any:
        request = urllib.request.Request(server.url + path, headers={"Authorization": f"Token {staff}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    async def scenario() -> list[str]:
        url = server.url.replace("http", "ws") + f"/ws/boards/{team.pk}/"
        sockets = [
            await connect(url, additional_headers={"Cookie": cookie}, origin=server.url) for _ in range(3)
        ]
        for socket in sockets:
            await asyncio.wait_for(socket.recv(), 10)  # the snapshot
        request = urllib.request.Request(
            server.url + "/api/tasks/",
            data=json.dumps({"title": "Encoded once"}).encode(),
            headers={"Authorization": f"Token {staff}", "Content-Type": "application/json"},
        )
        await asyncio.to_thread(urllib.request.urlopen, request, timeout=10)
        received = []
        for socket in sockets:
            while "Encoded once" not in (frame := await asyncio.wait_for(socket.recv(), 10)):
                pass
            received.append(frame)
        for socket in sockets:
            await socket.close()
        return received

    frames = asyncio.run(scenario())

    assert len(set(frames)) == 1 and f'id="board-{team.pk}-open" hx-swap-oob="afterbegin"' in frames[0]
    if fast:
        assert get("/live/stats/").get("direct_writes", 0) >= 3
    else:
        assert get("/live/stats/").get("direct_writes", 0) == 0
