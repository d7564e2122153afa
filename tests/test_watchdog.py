"""The hub's watchdog (live/watchdog.py) and the audit's access re-check (issue 12).

A receive from the channel layer that hangs without an error, while events wait for the hub,
is noticed by the probe the hub sends itself, replaced by a new receive, and the pages are
re-synced: the waiting event reaches them. And a page re-synced because its topic's last event
was lost is authorized again first: access taken away by what was lost ends its socket.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from channels.db import database_sync_to_async

from chat import actions as chat_actions
from live import stats
from live.hub import Hub
from live.protocol import CloseCode
from live.watchdog import PROBE, Watchdog
from tasks import actions
from tests.frames import by_id, next_frame

pytestmark = pytest.mark.django_db(transaction=True)
db = database_sync_to_async


def test_the_watchdog_bites_only_when_the_hub_waited_in_its_receive() -> None:
    dog = Watchdog(limit=5)
    dog.probe_sent_at = 100.0
    dog.receiving_since = 90.0
    assert not dog.stuck(now=104.0)  # not long enough
    assert dog.stuck(now=106.0)  # in one receive since before the probe, and 6 s on
    dog.receiving_since = None  # busy handling events: the probe waits behind them
    assert not dog.stuck(now=200.0)
    dog.receiving_since = 199.0  # a receive that started just now has had no time yet
    assert not dog.stuck(now=200.0)
    dog.received({"type": PROBE})
    assert dog.probe_sent_at is None and not dog.stuck(now=1000.0)


async def test_a_receive_that_hangs_is_replaced_and_the_waiting_event_shown(
    connect: Any, team: Any, alice: Any, bob: Any, settings: Any
) -> None:
    settings.LIVE = {**settings.LIVE, "WATCHDOG": 1, "LAYER_CHECK": 1}
    socket = await connect(f"/ws/boards/{team.pk}/", alice)
    await next_frame(socket, 3)
    hub = await Hub.current()

    # The next receive hangs for ever, as a wedged channels-redis receive did; later ones work.
    real_receive, hung = hub.layer.receive, []

    async def receive(channel: str) -> Any:
        if not hung:
            hung.append(channel)
            await asyncio.Event().wait()
        return await real_receive(channel)

    hub.layer.receive = receive
    await hub.restart_listening()
    await asyncio.sleep(0.1)
    assert hung, "the listener is not waiting in the hung receive"

    task = await db(actions.task_create)(board=team, by=bob, title="Waited behind a hung receive")

    shown = False
    for _ in range(10):  # the event and the re-sync, in either order
        frames = by_id(await next_frame(socket, 6))
        if (
            f"board-{team.pk}-open" in frames
            and f"task-{task.pk}" in frames[f"board-{team.pk}-open"].children_ids
        ):
            shown = True
            break
        if f"task-{task.pk}" in frames:
            shown = True
            break
    assert shown
    assert stats.counters["watchdog_restarts"] == 1
    assert hub.figures()["probe_wait_s"] is None or hub.figures()["probe_wait_s"] < 3


async def test_a_re_sync_by_the_audit_checks_access_again(
    connect: Any, team: Any, alice: Any, bob: Any, monkeypatch: Any, settings: Any
) -> None:
    """Bob is taken out of a private room while its events are lost (the access change among
    them): the audit that finds the room behind re-syncs it, and Bob's socket ends with 4403
    instead of getting a fresh snapshot of a room he may no longer read."""
    settings.LIVE = {**settings.LIVE, "AUDIT": 1}
    secret = await db(chat_actions.room_create)(by=alice, name="Secret", is_private=True, members=[bob])
    alices = await connect(f"/ws/chat/{secret.slug}/", alice)
    await next_frame(alices, 3)
    bobs = await connect(f"/ws/chat/{secret.slug}/", bob)
    await next_frame(bobs, 3)

    with monkeypatch.context() as patched:
        patched.setattr("live.publish.send_now", lambda topic, event: None)
        await db(secret.members.remove)(bob)
        await db(chat_actions.message_send)(room=secret, by=alice, body="After Bob left")

    codes = []
    texts = []
    for _ in range(10):
        output = await bobs.receive_output(timeout=6)
        if output["type"] == "websocket.close":
            codes.append(output["code"])
            break
        texts.append(output.get("text", ""))
    assert codes == [CloseCode.FORBIDDEN]
    assert not any("After Bob left" in text for text in texts)
    assert stats.counters["access_revoked"] >= 1
