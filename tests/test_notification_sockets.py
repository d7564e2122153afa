"""Notifications over sockets: the bell on every page's socket and on ws/notifications/user/."""

from __future__ import annotations

import json
from typing import Any

import pytest
from channels.db import database_sync_to_async

from live import stats
from notifications import actions as notes
from notifications.models import Kind, Notification
from tests.dom import page_of
from tests.frames import by_id, next_frame, quiet

pytestmark = pytest.mark.django_db(transaction=True)
db = database_sync_to_async


async def notify(user: Any, text: str, actor: Any) -> Notification:
    [note] = await db(notes.notify)(recipients=[user.pk], kind=Kind.ASSIGNED, text=text, actor_id=actor.pk)
    return note


async def open_bell(connect: Any, path: str, user: Any) -> tuple[Any, dict[str, Any]]:
    socket = await connect(path, user)
    return socket, by_id(await next_frame(socket, 3))


def unread(frame: dict[str, Any]) -> str:
    return frame["notif-badge"].attrs["data-count"]


async def test_unread_count_and_panel_on_connect(connect: Any, team: Any, alice: Any, bob: Any) -> None:
    await notify(alice, "one", bob)
    await notify(alice, "two", bob)

    for path in (f"/ws/boards/{team.pk}/", "/ws/tasks/", "/ws/notifications/", "/ws/notifications/user/"):
        _socket, snapshot = await open_bell(connect, path, alice)
        assert unread(snapshot) == "2", path
        assert "assigned you ‘two’" in snapshot["notif-list"].text, path


async def test_a_new_notification_reaches_every_tab_of_its_user_and_nobody_else(
    connect: Any, team: Any, alice: Any, bob: Any
) -> None:
    tab1, _ = await open_bell(connect, f"/ws/boards/{team.pk}/", alice)
    tab2, _ = await open_bell(connect, "/ws/notifications/user/", alice)
    other, _ = await open_bell(connect, f"/ws/boards/{team.pk}/", bob)

    await notify(alice, "for alice", bob)

    for tab in (tab1, tab2):
        frame = by_id(await next_frame(tab, 3))
        assert unread(frame) == "1" and "for alice" in frame["notif-list"].text
    assert await quiet(other, 0.3)


async def test_mark_read_from_one_tab_updates_all_of_that_users_tabs(
    connect: Any, team: Any, alice: Any, bob: Any
) -> None:
    note = await notify(alice, "read me", bob)
    await notify(alice, "keep me", bob)
    tab1, _ = await open_bell(connect, f"/ws/boards/{team.pk}/", alice)
    tab2, _ = await open_bell(connect, "/ws/tasks/", alice)
    other, _ = await open_bell(connect, f"/ws/boards/{team.pk}/", bob)

    await tab1.send_to(
        text_data=json.dumps({"action": "mark_read", "notification_id": note.pk, "HEADERS": {}})
    )

    for tab in (tab1, tab2):
        frame = by_id(await next_frame(tab, 3))
        assert unread(frame) == "1"
        assert "read Today" in frame["notif-list"].text
    assert await quiet(other, 0.3)
    assert (await db(Notification.objects.get)(pk=note.pk)).read_at is not None


async def test_mark_all_read_over_the_socket(connect: Any, team: Any, alice: Any, bob: Any) -> None:
    for text in ("a", "b", "c"):
        await notify(alice, text, bob)
    tab, _ = await open_bell(connect, "/ws/notifications/user/", alice)

    await tab.send_to(text_data=json.dumps({"action": "mark_all_read"}))

    assert unread(by_id(await next_frame(tab, 3))) == "0"
    assert await db(Notification.objects.filter(read_at__isnull=True).count)() == 0


async def test_get_notifications_answers_this_socket_only(
    connect: Any, team: Any, alice: Any, bob: Any
) -> None:
    await notify(alice, "listed", bob)
    asking, _ = await open_bell(connect, "/ws/notifications/user/", alice)
    other_tab, _ = await open_bell(connect, f"/ws/boards/{team.pk}/", alice)

    await asking.send_to(text_data=json.dumps({"action": "get_notifications"}))

    assert "listed" in by_id(await next_frame(asking, 3))["notif-list"].text
    assert await quiet(other_tab, 0.3)


async def test_the_next_page_lands_in_place_of_its_button_once_even_if_asked_twice(
    connect: Any, alice: Any, bob: Any
) -> None:
    for index in range(25):
        await notify(alice, f"note {index}", bob)
    asking = await connect("/ws/notifications/user/", alice)
    page = page_of(await next_frame(asking, 3))  # the snapshot: the panel's first 20 and "load more"
    [button] = [i for i in page.ids() if i.startswith("notif-more-")]

    for _ in range(2):  # a retried frame, or a double click
        before = button.removeprefix("notif-more-")
        await asking.send_to(text_data=json.dumps({"action": "get_notifications", "before": before}))
        page.apply(await next_frame(asking, 3))

    shown = [i for i in page.ids() if i.startswith("notif-") and i[6:].isdigit()]
    assert len(shown) == 25 and page.duplicates == []
    assert button not in page.ids() and not any(i.startswith("notif-more-") for i in page.ids())


async def test_another_users_notification_id_changes_and_reveals_nothing(
    connect: Any, team: Any, alice: Any, bob: Any
) -> None:
    theirs = await notify(bob, "bob's secret", alice)
    tab, _ = await open_bell(connect, "/ws/notifications/user/", alice)
    bobs_tab, _ = await open_bell(connect, "/ws/notifications/user/", bob)

    await tab.send_to(text_data=json.dumps({"action": "mark_read", "notification_id": theirs.pk}))
    reply_for_other = by_id(await next_frame(tab, 3))
    await tab.send_to(text_data=json.dumps({"action": "mark_read", "notification_id": 999999}))
    reply_for_missing = by_id(await next_frame(tab, 3))

    assert (
        reply_for_other["live-error"].text == reply_for_missing["live-error"].text == "No such notification."
    )
    assert "bob's secret" not in str(reply_for_other)
    assert (await db(Notification.objects.get)(pk=theirs.pk)).read_at is None
    assert await quiet(bobs_tab, 0.3)


@pytest.mark.parametrize(
    "frame",
    [
        {"action": "mark_read"},
        {"action": "mark_read", "notification_id": "one"},
        {"action": "mark_read", "notification_id": -4},
        {"action": "mark_read", "notification_id": [1]},
        {"action": "get_notifications", "before": "soon"},
    ],
)
async def test_malformed_notification_frames_change_nothing(
    connect: Any, team: Any, alice: Any, bob: Any, frame: dict[str, Any]
) -> None:
    await notify(alice, "untouched", bob)
    tab, _ = await open_bell(connect, "/ws/notifications/user/", alice)

    await tab.send_to(text_data=json.dumps(frame))

    assert "live-error" in by_id(await next_frame(tab, 3))
    assert await db(Notification.objects.filter(read_at__isnull=True).count)() == 1


async def render_cost_of_one_notification(connect: Any, user: Any, actor: Any, tabs: int, text: str) -> int:
    sockets = [(await open_bell(connect, "/ws/notifications/user/", user))[0] for _ in range(tabs)]
    stats.reset()
    await notify(user, text, actor)
    for socket in sockets:
        assert text in await next_frame(socket, 3)
    for socket in sockets:
        await socket.disconnect()
    return stats.event_costs["inbox.changed"]["renders"]


async def test_three_tabs_cost_one_render_of_the_badge_like_one_tab(
    connect: Any, alice: Any, bob: Any
) -> None:
    one = await render_cost_of_one_notification(connect, alice, bob, tabs=1, text="first")
    three = await render_cost_of_one_notification(connect, alice, bob, tabs=3, text="second")

    assert one == three == 3  # the badge, the list, and the one new item


async def test_notifications_made_while_away_are_all_there_on_connect(
    connect: Any, team: Any, alice: Any, bob: Any
) -> None:
    tab, _ = await open_bell(connect, f"/ws/boards/{team.pk}/", alice)
    await tab.disconnect()

    for text in ("while", "you", "were out"):
        await notify(alice, text, bob)
    _again, snapshot = await open_bell(connect, f"/ws/boards/{team.pk}/", alice)

    assert unread(snapshot) == "3"
    assert [text in snapshot["notif-list"].text for text in ("while", "you", "were out")] == [True] * 3
