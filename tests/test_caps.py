"""Socket caps per person and per address, and one budget of actions per person (issue 12).

Before, 400 sockets of one user opened in under a second, each with a budget of its own, and
created 1,200 tasks in 6 s. Now the sockets past ``LIVE["MAX_SOCKETS_PER_USER"]`` (or per
address) are closed with 4429 and their page says live updates stopped, and a person's
sockets share one budget of actions.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from live import caps, stats
from live.protocol import CloseCode
from tasks.models import Task
from tests.conftest import ORIGIN, session_cookie
from tests.frames import by_id, next_frame

pytestmark = pytest.mark.django_db(transaction=True)
db = database_sync_to_async


async def ends_with(socket: Any, code: int) -> list[str]:
    """The frames ``socket`` got before it was closed with ``code``."""
    texts = []
    while True:
        output = await socket.receive_output(timeout=3)
        if output["type"] == "websocket.close":
            assert output["code"] == code
            return texts
        texts.append(output["text"])


def test_the_defaults_are_what_the_readme_says(settings: Any) -> None:
    assert settings.LIVE["MAX_SOCKETS_PER_USER"] == 50
    assert settings.LIVE["MAX_SOCKETS_PER_ADDRESS"] == 2000


async def test_past_the_cap_a_persons_new_socket_is_closed_4429_and_a_closed_one_frees_a_place(
    connect: Any, team: Any, alice: Any, bob: Any, settings: Any
) -> None:
    settings.LIVE = {**settings.LIVE, "MAX_SOCKETS_PER_USER": 3}
    path = f"/ws/boards/{team.pk}/"
    mine = [await connect(path, alice) for _ in range(3)]
    for socket in mine:
        assert by_id(await next_frame(socket, 3))["live-status"].attrs["data-state"] == "live"

    extra = await connect(path, alice)
    frames = await ends_with(extra, CloseCode.TOO_MANY)
    assert by_id(frames[0])["live-status"].attrs["data-state"] == "stopped"
    assert stats.counters["sockets_over_cap_user"] == 1

    bobs = await connect(path, bob)  # someone else is not affected
    assert by_id(await next_frame(bobs, 3))["live-status"].attrs["data-state"] == "live"

    await mine[0].disconnect()
    again = await connect(path, alice)
    assert by_id(await next_frame(again, 3))["live-status"].attrs["data-state"] == "live"


async def test_past_the_cap_an_addresss_new_socket_is_closed_4429(
    team: Any, alice: Any, bob: Any, settings: Any
) -> None:
    from dashboard.asgi import application
    from live.hub import Hub

    settings.LIVE = {**settings.LIVE, "MAX_SOCKETS_PER_ADDRESS": 2}
    opened = []

    async def from_address(user: Any, address: str) -> WebsocketCommunicator:
        cookie = await db(session_cookie)(user)
        socket = WebsocketCommunicator(
            application,
            f"/ws/boards/{team.pk}/",
            headers=[(b"host", b"localhost"), ORIGIN, (b"cookie", cookie)],
        )
        socket.scope["client"] = (address, 50000 + len(opened))
        opened.append(socket)
        await socket.connect()
        return socket

    try:
        for user in (alice, bob):
            socket = await from_address(user, "203.0.113.7")
            await next_frame(socket, 3)
        third = await from_address(alice, "203.0.113.7")
        await ends_with(third, CloseCode.TOO_MANY)
        elsewhere = await from_address(alice, "198.51.100.1")
        assert by_id(await next_frame(elsewhere, 3))["live-status"].attrs["data-state"] == "live"
        assert stats.counters["sockets_over_cap_address"] == 1
    finally:
        for socket in opened:
            await socket.disconnect()
        await Hub.stop_current()
    assert not caps._per_address and not caps._per_user  # every close gave its place back


async def test_a_persons_sockets_share_one_budget_of_actions(
    connect: Any, team: Any, alice: Any, settings: Any
) -> None:
    """Ten tabs of one person, each sending creates as fast as it can: together they get the
    one budget's burst (10) and what it earns, not ten bursts. (A slow rate, so that what the
    budget earns while the server handles the frames stays small on a busy machine.)"""
    settings.LIVE = {**settings.LIVE, "RATE": (0.5, 10)}
    sockets = [await connect(f"/ws/boards/{team.pk}/", alice) for _ in range(10)]
    for socket in sockets:
        await next_frame(socket, 3)
    for round_ in range(3):
        for index, socket in enumerate(sockets):
            await socket.send_to(
                text_data=json.dumps({"action": "task.create", "title": f"{round_}-{index}"})
            )
    for socket in sockets:  # let every frame be handled
        while True:
            try:
                await socket.receive_output(timeout=0.5)
            except TimeoutError:
                break
    created = await db(Task.objects.filter(board=team).count)()
    assert 10 <= created <= 15, created  # the burst and the little earned meanwhile, not 30
    assert stats.counters["frames_rate_limited"] >= 16


async def test_a_socket_the_server_closes_gives_its_place_back_at_once(
    connect: Any, team: Any, alice: Any, settings: Any
) -> None:
    """Sockets ended by the server (here: a frame over the size cap, 1009) free their place
    when they close, without waiting for the peer's disconnect."""
    settings.LIVE = {**settings.LIVE, "MAX_SOCKETS_PER_USER": 2, "MAX_FRAME_BYTES": 1024}
    for _ in range(5):
        socket = await connect(f"/ws/boards/{team.pk}/", alice)
        assert by_id(await next_frame(socket, 3))["live-status"].attrs["data-state"] == "live"
        await socket.send_to(text_data="x" * 2048)
        await ends_with(socket, CloseCode.TOO_BIG)
    assert not caps._per_user
