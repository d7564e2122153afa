"""A topic's events back in change-number order (live/ordering.py), and the hub using it:
two writes that publish the other way round still reach every page in commit order."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from live import ordering, stats
from live.ordering import HOLD, TopicOrder
from live.publish import EVENT_TYPE, group_name
from tasks import actions
from tasks.models import Task
from tests.frames import by_id, next_frame

db = database_sync_to_async


def event(seq: int) -> dict[str, Any]:
    return {"seq": seq}


def seqs(messages: list[dict[str, Any]]) -> list[int]:
    return [m["seq"] for m in messages]


def test_in_order_events_pass_straight_through() -> None:
    order = TopicOrder()
    assert [seqs(order.arrive(n, event(n), 0.0).ready) for n in (5, 6, 7)] == [[5], [6], [7]]
    assert order.next_deadline() is None


def test_an_early_event_waits_for_the_one_before_it() -> None:
    order = TopicOrder()
    order.arrive(1, event(1), 0.0)

    early = order.arrive(3, event(3), 0.0)
    assert early.ready == [] and order.next_deadline() == HOLD
    assert seqs(order.arrive(2, event(2), 0.1).ready) == [2, 3]  # then both, in order
    assert order.held == {} and order.missing == {}


def test_a_predecessor_of_an_event_that_came_before_the_first_snapshot_is_late() -> None:
    """A page starts watching a topic: event 13 comes before its snapshot (read at 11) tells
    the hub where it stands, so 13 goes straight through (onto the page, after the snapshot).
    12, which overtook nobody on the wire but came after 13, would be applied after 13: a
    card created in 12 and changed in 13 is then on the page twice. It is late instead."""
    order = TopicOrder()
    assert seqs(order.arrive(13, event(13), 0.0).ready) == [13]
    order.start_after(11, 0.1)

    late = order.arrive(12, event(12), 0.2)
    assert late.late and late.ready == []  # the hub re-syncs the topic's pages
    assert order.missing == {}


def test_a_snapshot_behind_events_already_seen_waits_for_nothing() -> None:
    order = TopicOrder()
    for n in (5, 6, 7):
        order.arrive(n, event(n), 0.0)
    order.start_after(5, 0.1)  # a slow snapshot: 6 and 7 reached it from its backlog
    assert order.missing == {} and order.last == 7
    assert seqs(order.arrive(8, event(8), 0.2).ready) == [8]


def test_a_held_event_goes_through_after_hold_and_a_later_predecessor_is_late() -> None:
    order = TopicOrder()
    order.arrive(1, event(1), 0.0)
    order.arrive(3, event(3), 0.0)
    order.arrive(4, event(4), 0.1)

    assert order.overdue(HOLD / 2) == []
    assert seqs(order.overdue(HOLD)) == [3, 4]
    assert list(order.missing) == [2]
    late = order.arrive(2, event(2), HOLD + 0.1)
    assert late.late and late.ready == []  # the pages show 3 and 4 already: re-sync them
    assert order.lost(100.0) == 0


def test_a_number_that_never_comes_is_lost_after_the_patience() -> None:
    order = TopicOrder()
    order.arrive(1, event(1), 0.0)
    order.arrive(3, event(3), 0.0)
    order.overdue(HOLD)

    assert order.lost(HOLD + ordering.GAP_PATIENCE / 2) == 0
    assert order.lost(HOLD + ordering.GAP_PATIENCE + 0.1) == 1
    assert order.missing == {}


def test_duplicates_are_recognised_held_or_shown() -> None:
    order = TopicOrder()
    order.arrive(1, event(1), 0.0)
    order.arrive(3, event(3), 0.0)

    assert order.arrive(1, event(1), 0.1).duplicate
    assert order.arrive(3, event(3), 0.1).duplicate


def test_an_event_older_than_the_first_one_seen_is_passed_on() -> None:
    """The process started watching the topic after it: the pages' snapshots decide."""
    order = TopicOrder()
    order.arrive(10, event(10), 0.0)

    assert seqs(order.arrive(9, event(9), 0.1).ready) == [9]


async def withheld(monkeypatch: Any, write: Any) -> list[dict[str, Any]]:
    """Run ``write`` (sync) with its publishing held back: the events it would have sent."""
    caught: list[dict[str, Any]] = []
    with monkeypatch.context() as patched:
        patched.setattr(
            "live.publish.send_now", lambda topic, e: caught.append({**e, "type": EVENT_TYPE, "topic": topic})
        )
        await db(write)()
    return caught


async def send(*events: dict[str, Any]) -> None:
    for message in events:
        await get_channel_layer().group_send(group_name(message["topic"]), message)


@pytest.mark.django_db(transaction=True)
async def test_two_changes_published_the_other_way_round_reach_the_page_in_commit_order(
    connect: Any, team: Any, alice: Any, monkeypatch: Any
) -> None:
    socket = await connect(f"/ws/boards/{team.pk}/", alice)
    await next_frame(socket)  # the snapshot
    [first] = await withheld(
        monkeypatch, lambda: actions.task_create(board=team, by=alice, title="Committed first")
    )
    [second] = await withheld(
        monkeypatch, lambda: actions.task_create(board=team, by=alice, title="Committed second")
    )

    await send(second)  # the later commit publishes first
    await asyncio.sleep(HOLD / 5)
    await send(first)

    frames = [await next_frame(socket, 3) for _ in range(2)]
    assert "Committed first" in frames[0] and "Committed second" in frames[1]
    assert stats.counters["held"] >= 1 and stats.counters["late"] == 0


@pytest.mark.django_db(transaction=True)
async def test_an_event_later_than_the_hold_re_syncs_the_page(
    connect: Any, team: Any, alice: Any, monkeypatch: Any
) -> None:
    socket = await connect(f"/ws/boards/{team.pk}/", alice)
    await next_frame(socket)
    [slow] = await withheld(
        monkeypatch, lambda: actions.task_create(board=team, by=alice, title="Slow to publish")
    )
    await db(actions.task_create)(board=team, by=alice, title="Overtook it")
    assert "Overtook it" in await next_frame(socket, 3)  # held HOLD s, then shown

    await send(slow)

    resynced = by_id(await next_frame(socket, 3))
    open_cards = resynced[f"board-{team.pk}-open"].children_ids
    slow_task = await db(Task.objects.get)(title="Slow to publish")
    assert open_cards.index(f"task-{slow_task.pk}") == 1  # in its place under "Overtook it"
    assert stats.counters["late"] == 1


@pytest.mark.django_db(transaction=True)
async def test_two_boards_published_the_other_way_round_leave_the_home_feed_in_order(
    connect: Any, team: Any, private: Any, alice: Any, bob: Any, monkeypatch: Any
) -> None:
    """Alice sees both boards, Bob only the team board: each gets the feed as they see it."""
    alices, bobs = await connect("/ws/tasks/", alice), await connect("/ws/tasks/", bob)
    await next_frame(alices), await next_frame(bobs)
    [first] = await withheld(
        monkeypatch, lambda: actions.task_create(board=team, by=alice, title="On the team board")
    )
    [second] = await withheld(
        monkeypatch, lambda: actions.task_create(board=private, by=alice, title="Private plans")
    )

    await send(second)  # the later write (another board, another topic) publishes first
    assert "Private plans" in await next_frame(alices, 3)
    await send(first)

    feed = by_id(await frame_with(alices, "activity-feed"))["activity-feed"]
    assert feed.swap == "true"  # the whole feed, in its order: the later write on top
    assert feed.text.index("Private plans") < feed.text.index("On the team board")
    bobs_feed = by_id(await frame_with(bobs, "activity-feed"))["activity-feed"]
    assert "On the team board" in bobs_feed.text and "Private plans" not in bobs_feed.text
    assert stats.counters["feeds_reordered"] == 1


async def frame_with(socket: Any, region: str) -> str:
    """The next frame that holds ``region`` (counters and summaries come in frames of their own)."""
    for _ in range(5):
        frame = await next_frame(socket, 3)
        if f'id="{region}"' in frame:
            return frame
    raise AssertionError(f"no frame with {region}")
