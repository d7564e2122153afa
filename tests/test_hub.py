"""The per-process hub: cost per event independent of sockets, drops noticed and healed,
heartbeats, rotation."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from live import stats
from live.hub import Hub
from live.protocol import CloseCode
from live.publish import EVENT_TYPE, group_name
from notifications import actions as notes
from notifications.models import Kind
from tasks import actions
from tasks.models import Task
from tests.conftest import presence_settled
from tests.frames import by_id, next_frame, quiet

pytestmark = pytest.mark.django_db(transaction=True)
db = database_sync_to_async


async def open_boards(connect: Any, board: Any, users: list[Any]) -> list[Any]:
    sockets = []
    for user in users:
        socket = await connect(f"/ws/boards/{board.pk}/", user)
        await next_frame(socket, 3)
        sockets.append(socket)
    return sockets


async def cost_of_one_event(
    connect: Any, board: Any, author: Any, viewers: list[Any], title: str
) -> tuple[int, int]:
    sockets = await open_boards(connect, board, viewers)
    await presence_settled(f"board.{board.pk}", {viewer.pk for viewer in viewers})
    stats.reset()
    await db(actions.task_create)(board=board, by=author, title=title)
    for socket in sockets:
        assert title in await next_frame(socket, 5)
    cost = stats.event_costs["task.changed"]
    counted = (cost["renders"], cost["queries"])
    for socket in sockets:
        await socket.disconnect()
    return counted


async def test_renders_and_queries_per_event_do_not_grow_with_sockets(
    connect: Any, team: Any, alice: Any, bob: Any, manager: Any, make_user: Any
) -> None:
    crowd = [await db(make_user)(f"viewer{i}") for i in range(12)]

    one = await cost_of_one_event(connect, team, alice, [bob], "first")
    many = await cost_of_one_event(
        connect, team, alice, [bob, bob, bob, manager, alice, *crowd, *crowd], "second"
    )

    assert one == many
    renders, queries = many
    print(f"per task event: {renders} renders, {queries} queries")
    # the card with and without delete, the activity line, and the declared regions: two
    # counters and the due-soon list
    assert renders <= 6
    assert queries <= 4  # the task, the activity, the counts (one for both counters), the due-soon list


async def test_three_tabs_of_one_user_all_update(connect: Any, team: Any, alice: Any, bob: Any) -> None:
    tabs = await open_boards(connect, team, [bob, bob, bob])

    await db(actions.task_create)(board=team, by=alice, title="Seen thrice")

    for tab in tabs:
        assert "Seen thrice" in await next_frame(tab, 3)


async def test_a_dropped_event_is_counted_and_the_pages_resynced(
    connect: Any, team: Any, alice: Any, monkeypatch: Any
) -> None:
    [socket] = await open_boards(connect, team, [alice])
    monkeypatch.setattr("live.ordering.GAP_PATIENCE", 0.1)

    # The layer loses the first of two events: simulate by committing one change unannounced.
    lost = await db(Task.objects.create)(board=team, title="Lost in transit")
    await asyncio.sleep(0.2)
    await next_frame(socket, 3)  # its own event did arrive; now lose the next one
    with monkeypatch.context() as patched:
        patched.setattr("live.publish.send_now", lambda topic, event: None)
        await db(actions.task_complete)(task=lost, by=alice)
    await db(actions.task_create)(board=team, by=alice, title="After the gap")

    frames = [await next_frame(socket, 5) for _ in range(2)]

    assert "After the gap" in frames[0]
    resynced = by_id(frames[1])  # the hub noticed seq 2 never came and sent a fresh snapshot
    assert f"task-{lost.pk}" in resynced[f"board-{team.pk}-done"].children_ids
    assert stats.counters["dropped"] == 1


async def test_a_lost_last_event_is_found_by_the_audit(
    connect: Any, team: Any, alice: Any, bob: Any, monkeypatch: Any, settings: Any
) -> None:
    """The last change of a burst is lost (no later event reveals the gap): the hub's audit
    (every LIVE_AUDIT s; 1 s here) sees the database ahead of what it showed, waits one more
    audit in case the event is in flight, then re-syncs the topic's pages. A user topic (the
    bell) is audited the same way."""
    settings.LIVE = {**settings.LIVE, "AUDIT": 1}
    [socket] = await open_boards(connect, team, [alice])
    with monkeypatch.context() as patched:
        patched.setattr("live.publish.send_now", lambda topic, event: None)
        lost = await db(actions.task_create)(board=team, by=bob, title="Never announced")
        await db(notes.notify)(recipients=[alice.pk], kind=Kind.ASSIGNED, text="Quietly", actor_id=bob.pk)

    healed = by_id(await next_frame(socket, 5))  # a fresh snapshot: both, read as they are now
    await next_frame(socket, 5)  # and the second topic's, in the same audit

    assert f"task-{lost.pk}" in healed[f"board-{team.pk}-open"].children_ids
    assert healed["notif-badge"].attrs["data-count"] == "1"
    assert stats.counters["audit_resyncs"] == 2
    assert await quiet(socket, 1.5)  # healed once; later audits find nothing to do


async def test_a_duplicate_event_is_ignored(connect: Any, team: Any, alice: Any) -> None:
    [socket] = await open_boards(connect, team, [alice])
    task = await db(actions.task_create)(board=team, by=alice, title="Once")
    event = {
        "type": EVENT_TYPE,
        "topic": f"board.{team.pk}",
        "kind": "task.changed",
        "board": team.pk,
        "task": task.pk,
        "seq": task.version,
        "verb": "created",
        "activity": None,
    }
    await next_frame(socket, 3)

    await get_channel_layer().group_send(group_name(f"board.{team.pk}"), event)

    assert await quiet(socket, 0.3)
    assert stats.counters["duplicates"] == 1


async def test_heartbeat_renews_the_live_indicator(connect: Any, team: Any, alice: Any) -> None:
    [socket] = await open_boards(connect, team, [alice])

    await (await Hub.current()).upkeep.heartbeat()

    status = by_id(await next_frame(socket, 3))["live-status"]
    assert status.attrs["data-state"] == "live" and status.swap == "true"


async def test_old_sockets_are_rotated_with_1012(connect: Any, team: Any, alice: Any) -> None:
    [socket] = await open_boards(connect, team, [alice])
    hub = await Hub.current()
    for sock in hub.local_sockets():
        sock.rotate_at = 0

    await hub.upkeep.rotate_old_sockets()

    message = await socket.receive_output(timeout=3)
    assert message == {"type": "websocket.close", "code": CloseCode.RESTART}
