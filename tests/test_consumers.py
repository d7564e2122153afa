"""The board's socket, through the real ASGI stack: what each user's page receives."""

from __future__ import annotations

import json
from typing import Any

import pytest
from channels.db import database_sync_to_async

from live import stats
from live.protocol import CloseCode
from tasks import actions
from tasks.models import Task
from tests.frames import by_id, next_frame, parse, quiet, swaps

pytestmark = pytest.mark.django_db(transaction=True)

db = database_sync_to_async


async def closed_with(socket: Any) -> int:
    message = await socket.receive_output(timeout=2)
    assert message["type"] == "websocket.close", message
    return message["code"]


async def board_socket(connect: Any, board: Any, user: Any) -> Any:
    socket = await connect(f"/ws/boards/{board.pk}/", user)
    assert socket.connected
    snapshot = await next_frame(socket, 3)
    socket.snapshot = by_id(snapshot)
    return socket


# --- connecting ---------------------------------------------------------------------------


async def test_anonymous_socket_is_accepted_then_closed_4401(connect: Any, team: Any) -> None:
    socket = await connect(f"/ws/boards/{team.pk}/")

    status = by_id(await next_frame(socket))["live-status"]

    assert socket.connected  # accepted first: a refused handshake looks like a network error to htmx
    assert status.attrs["data-state"] == "signed_out"
    assert "hx-get" not in status.attrs  # final: the page won't ask again
    assert await closed_with(socket) == CloseCode.UNAUTHENTICATED


@pytest.mark.parametrize("htmx", [2, 4])
async def test_a_page_that_would_reconnect_anyway_is_told_to_stop(
    connect: Any, team: Any, private: Any, mallory: Any, settings: Any, htmx: int
) -> None:
    """htmx 4.0 beta reconnects after every close code, 4401 and 4403 too: before such a close,
    the page's socket element (<main id="live-page">) gives way to why. htmx 2 stops by itself
    and keeps the page as it was."""
    settings.LIVE = {**settings.LIVE, "HTMX": htmx}
    anonymous = await connect(f"/ws/boards/{team.pk}/")
    outsider = await connect(f"/ws/boards/{private.pk}/", mallory)

    signed_out, forbidden = by_id(await next_frame(anonymous)), by_id(await next_frame(outsider))

    assert await closed_with(anonymous) == CloseCode.UNAUTHENTICATED
    assert await closed_with(outsider) == CloseCode.FORBIDDEN
    if htmx == 2:
        assert "live-page" not in signed_out and "live-page" not in forbidden
    else:
        assert "You were signed out" in signed_out["live-page"].text
        assert "No access to this page" in forbidden["live-page"].text
        for page in (signed_out["live-page"], forbidden["live-page"]):
            assert page.swap == "true" and not any(name.startswith(("hx-ws", "ws-")) for name in page.attrs)
            assert "hx-ws" not in page.html and "ws-connect" not in page.html


async def test_outsider_of_a_restricted_board_is_closed_4403(
    connect: Any, private: Any, mallory: Any
) -> None:
    socket = await connect(f"/ws/boards/{private.pk}/", mallory)

    assert by_id(await next_frame(socket))["live-status"].attrs["data-state"] == "forbidden"
    assert await closed_with(socket) == CloseCode.FORBIDDEN


async def test_unknown_board_is_closed_4403_like_a_forbidden_one(connect: Any, alice: Any, team: Any) -> None:
    socket = await connect("/ws/boards/99999/", alice)

    await next_frame(socket)
    assert await closed_with(socket) == CloseCode.FORBIDDEN


async def test_socket_from_another_site_gets_no_socket(connect: Any, alice: Any, team: Any) -> None:
    socket = await connect(f"/ws/boards/{team.pk}/", alice, origin=(b"origin", b"http://evil.example"))

    assert not socket.connected


async def test_connect_sends_a_snapshot_of_every_live_region(
    connect: Any, team: Any, alice: Any, bob: Any
) -> None:
    open_task = await db(actions.task_create)(board=team, by=bob, title="Write docs")
    done_task = await db(actions.task_create)(board=team, by=alice, title="Fix bug")
    await db(actions.task_complete)(task=done_task, by=alice)

    socket = await board_socket(connect, team, alice)

    regions = socket.snapshot
    assert regions["live-status"].attrs["data-state"] == "live"
    assert regions[f"board-{team.pk}-open"].swap == "true"
    assert regions[f"board-{team.pk}-open"].children_ids == [f"task-{open_task.pk}"]
    assert regions[f"board-{team.pk}-done"].children_ids == [f"task-{done_task.pk}"]
    assert regions[f"board-{team.pk}-open-count"].text == "1"
    assert regions[f"board-{team.pk}-done-count"].text == "1"
    assert "Alice completed ‘Fix bug’" in regions[f"board-{team.pk}-activity"].text
    # delete buttons only where alice may delete: her own task, not bob's
    open_html, done_html = regions[f"board-{team.pk}-open"].html, regions[f"board-{team.pk}-done"].html
    assert "Delete “Write docs”" not in open_html
    assert "Delete “Fix bug”" in done_html


# --- live changes -------------------------------------------------------------------------


async def test_create_complete_reopen_delete_each_push_the_right_fragments(
    connect: Any, team: Any, alice: Any, bob: Any
) -> None:
    watcher = await board_socket(connect, team, bob)
    open_list, done_list = f"board-{team.pk}-open", f"board-{team.pk}-done"

    task = await db(actions.task_create)(board=team, by=alice, title="Ship it")
    created = await next_frame(watcher, 3)
    assert swaps(created) == [
        (open_list, "afterbegin"),
        (f"board-{team.pk}-open-count", "true"),  # the declared regions (tasks/regions.py)
        (f"board-{team.pk}-done-count", "true"),
        (f"board-{team.pk}-due-soon", "true"),
        (f"board-{team.pk}-activity", "afterbegin"),  # the declared stream: one line inserted
    ]
    parts = by_id(created)
    assert parts[open_list].children_ids == [f"task-{task.pk}"]
    assert "Ship it" in parts[open_list].text
    assert parts[f"board-{team.pk}-open-count"].text == "1"
    assert "Alice created ‘Ship it’" in parts[f"board-{team.pk}-activity"].text

    await db(actions.task_complete)(task=task, by=bob)
    completed = await next_frame(watcher, 3)
    assert swaps(completed)[:2] == [(f"task-{task.pk}", "delete"), (done_list, "afterbegin")]
    parts = by_id(completed)
    assert f'data-version="{task.version + 1}"' in parts[done_list].html
    assert parts[f"board-{team.pk}-done-count"].text == "1"
    assert "Bob completed ‘Ship it’" in parts[f"board-{team.pk}-activity"].text

    await db(actions.task_reopen)(task=task, by=bob)
    reopened = await next_frame(watcher, 3)
    assert swaps(reopened)[:2] == [(f"task-{task.pk}", "delete"), (open_list, "afterbegin")]
    assert "Bob reopened ‘Ship it’" in by_id(reopened)[f"board-{team.pk}-activity"].text

    await db(actions.task_delete)(task=await db(Task.objects.get)(pk=task.pk), by=alice)
    deleted = await next_frame(watcher, 3)
    parts = by_id(deleted)
    assert parts[f"task-{task.pk}"].swap == "delete"
    assert parts[f"board-{team.pk}-open-count"].text == "0"
    assert "Alice deleted ‘Ship it’" in parts[f"board-{team.pk}-activity"].text
    assert await quiet(watcher, 0.2)


async def test_each_viewer_gets_the_delete_button_only_where_allowed(
    connect: Any, team: Any, alice: Any, bob: Any, manager: Any
) -> None:
    creator = await board_socket(connect, team, alice)
    member = await board_socket(connect, team, bob)
    boss = await board_socket(connect, team, manager)

    await db(actions.task_create)(board=team, by=alice, title="Mine")

    frames = {
        name: await next_frame(s, 3) for name, s in [("alice", creator), ("bob", member), ("boss", boss)]
    }
    assert "Delete “Mine”" in frames["alice"]
    assert "Delete “Mine”" not in frames["bob"]
    assert "Delete “Mine”" in frames["boss"]


async def test_changes_on_a_restricted_board_never_reach_outsiders(
    connect: Any, team: Any, private: Any, alice: Any, mallory: Any
) -> None:
    outsider = await board_socket(connect, team, mallory)
    insider = await board_socket(connect, private, alice)

    await db(actions.task_create)(board=private, by=alice, title="Secret plan")

    assert "Secret plan" in await next_frame(insider, 3)
    assert await quiet(outsider, 0.3)


async def test_home_and_activity_sockets_get_summaries_and_the_feed(
    connect: Any, team: Any, private: Any, alice: Any, mallory: Any
) -> None:
    home = await connect("/ws/tasks/", alice)
    snapshot = by_id(await next_frame(home, 3))
    assert {f"board-{team.pk}-summary", f"board-{private.pk}-summary", "activity-feed"} <= set(snapshot)
    ticker = await connect("/ws/notifications/", mallory)
    assert set(by_id(await next_frame(ticker, 3))) == {
        "live-error",  # emptied: the server answers again
        "live-status",
        "live-announce",
        "activity-feed",
        "notif-badge",
        "notif-list",
    }

    await db(actions.task_create)(board=team, by=alice, title="Everyone sees")
    await db(actions.task_create)(board=private, by=alice, title="Members only")

    first = by_id(await next_frame(home, 3))
    assert "1 open" in first[f"board-{team.pk}-summary"].text
    assert "Everyone sees" in first["activity-feed"].text
    assert "Members only" in by_id(await next_frame(home, 3))["activity-feed"].text
    ticker_frame = by_id(await next_frame(ticker, 3))
    assert ticker_frame["activity-feed"].swap == "afterbegin"
    assert "Everyone sees" in ticker_frame["activity-feed"].text
    assert await quiet(ticker, 0.3)  # the private board's line never comes


# --- a reconnect heals, a snapshot never repeats what it holds ------------------------------


async def test_a_change_committed_while_away_is_in_the_next_snapshot(
    connect: Any, team: Any, alice: Any
) -> None:
    first = await board_socket(connect, team, alice)
    await first.disconnect()

    task = await db(actions.task_create)(board=team, by=alice, title="While you were out")
    again = await board_socket(connect, team, alice)

    assert again.snapshot[f"board-{team.pk}-open"].children_ids == [f"task-{task.pk}"]


async def test_events_already_in_the_snapshot_are_not_sent_again(
    connect: Any, team: Any, alice: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A task created between the socket joining its topic and the snapshot's read is in the
    snapshot; its event must not insert the card a second time."""
    from tasks.consumers import BoardConsumer

    original = BoardConsumer.render_snapshot

    def render_after_a_write(self: Any) -> Any:
        actions.task_create(board=team, by=alice, title="Raced")
        return original(self)

    monkeypatch.setattr(BoardConsumer, "render_snapshot", render_after_a_write)
    socket = await board_socket(connect, team, alice)

    assert "Raced" in socket.snapshot[f"board-{team.pk}-open"].text
    assert await quiet(socket, 0.5)


# --- inbound frames -----------------------------------------------------------------------


async def test_socket_actions_create_and_complete_like_the_page(connect: Any, team: Any, alice: Any) -> None:
    socket = await board_socket(connect, team, alice)

    await socket.send_to(
        text_data=json.dumps({"action": "task.create", "title": "Typed", "HEADERS": {"HX-Request": "true"}})
    )
    created = by_id(await next_frame(socket, 3))
    task = await db(Task.objects.get)(title="Typed")
    assert created[f"board-{team.pk}-open"].children_ids == [f"task-{task.pk}"]

    await socket.send_to(text_data=json.dumps({"action": "task.complete", "task": task.pk, "headers": {}}))
    assert f"board-{team.pk}-done" in by_id(await next_frame(socket, 3))
    assert (await db(Task.objects.get)(pk=task.pk)).completed


async def test_socket_create_with_bad_values_returns_the_form_with_errors(
    connect: Any, team: Any, alice: Any
) -> None:
    socket = await board_socket(connect, team, alice)

    await socket.send_to(text_data=json.dumps({"action": "task.create", "title": "  ", "due_date": "soon"}))

    form = by_id(await next_frame(socket, 3))["task-form"]
    assert "Give the task a title." in form.text
    assert "Enter a valid date." in form.text
    assert 'value="soon"' in form.html  # what was typed is kept
    assert await db(Task.objects.count)() == 0


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        ("not json", "not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        ('{"HEADERS": {}}', "no action"),
        ('{"action": "task.explode"}', "Unknown action"),
        ('{"action": "task.complete", "task": "forty-two"}', "no valid task"),
        ('{"action": "task.complete", "task": [1]}', "must be plain values"),
        ('{"action": "task.complete", "task": 99999}', "No such task"),
        ('{"action": ["task.complete"]}', "no action"),
        ('{"action": "task.complete", "task": 1, "HEADERS": "x"}', "headers must be an object"),
        ("[" * 5000 + "]" * 5000, "not valid JSON"),
    ],
)
async def test_bad_frames_get_an_error_fragment_and_change_nothing(
    connect: Any, team: Any, alice: Any, frame: str, message: str
) -> None:
    task = await db(actions.task_create)(board=team, by=alice, title="Untouched")
    socket = await board_socket(connect, team, alice)

    await socket.send_to(text_data=frame)

    error = by_id(await next_frame(socket, 3))["live-error"]
    assert message in error.text
    refreshed = await db(Task.objects.get)(pk=task.pk)
    assert (refreshed.completed, refreshed.version) == (False, task.version)


async def test_another_boards_task_is_refused_like_a_missing_one(
    connect: Any, team: Any, private: Any, alice: Any, mallory: Any
) -> None:
    secret = await db(actions.task_create)(board=private, by=alice, title="Secret")
    socket = await board_socket(connect, team, mallory)

    await socket.send_to(text_data=json.dumps({"action": "task.delete", "task": secret.pk}))

    assert "No such task" in by_id(await next_frame(socket, 3))["live-error"].text
    assert await db(Task.objects.filter(pk=secret.pk).exists)()


async def test_deleting_someone_elses_task_is_refused(connect: Any, team: Any, alice: Any, bob: Any) -> None:
    task = await db(actions.task_create)(board=team, by=alice, title="Alice's")
    socket = await board_socket(connect, team, bob)

    await socket.send_to(text_data=json.dumps({"action": "task.delete", "task": task.pk}))

    assert "creator or a board manager" in by_id(await next_frame(socket, 3))["live-error"].text
    assert await db(Task.objects.filter(pk=task.pk).exists)()


async def test_a_frame_over_the_cap_closes_1009(connect: Any, team: Any, alice: Any, settings: Any) -> None:
    socket = await board_socket(connect, team, alice)

    await socket.send_to(text_data=json.dumps({"action": "task.create", "title": "x" * 70_000}))

    status = by_id(await next_frame(socket, 3))["live-status"]
    assert status.attrs["data-state"] == "stopped" and "Live updates stopped" in status.text
    assert await closed_with(socket) == CloseCode.TOO_BIG
    assert await db(Task.objects.count)() == 0


async def test_binary_frames_are_refused(connect: Any, team: Any, alice: Any) -> None:
    socket = await board_socket(connect, team, alice)

    await socket.send_to(bytes_data=b"\x00\x01")

    assert "Binary frames" in by_id(await next_frame(socket, 3))["live-error"].text


async def test_flooding_gets_warned_then_closed_4429(connect: Any, team: Any, alice: Any) -> None:
    socket = await board_socket(connect, team, alice)
    frame = json.dumps({"action": "task.explode"})

    for _ in range(40):
        await socket.send_to(text_data=frame)
    received = []
    while True:
        message = await socket.receive_output(timeout=3)
        if message["type"] == "websocket.close":
            break
        received.append(message["text"])

    assert message["code"] == CloseCode.TOO_MANY
    assert any("slow down" in text for text in received)
    assert stats.counters["frames_rate_limited"] >= 20


async def test_every_pushed_fragment_has_an_id_and_explicit_swap(connect: Any, team: Any, alice: Any) -> None:
    socket = await board_socket(connect, team, alice)
    task = await db(actions.task_create)(board=team, by=alice, title="<b id='x' hx-get='/evil'>bold</b>")

    frame = await next_frame(socket, 3)

    for element in parse(frame):
        assert element.id and element.swap
    assert "<b id=" not in frame and "&lt;b id=" in frame  # user content is text, never markup
    assert f"task-{task.pk}" in frame


async def test_a_card_leaving_a_full_done_list_brings_the_next_one_into_view(
    connect: Any, team: Any, alice: Any, bob: Any
) -> None:
    """The Done list shows the latest 30. Deleting or reopening one of them sends the list
    whole, as it stood at that change, so the 31st comes into view (a page had never seen it)."""
    from tasks.selectors import DONE_LIMIT

    def fill() -> list[Task]:
        tasks = [actions.task_create(board=team, by=alice, title=f"Done {i}") for i in range(DONE_LIMIT + 1)]
        return [actions.task_complete(task=task, by=alice) for task in tasks]

    done = await db(fill)()
    oldest, newest = done[0], done[-1]
    mine, theirs = await board_socket(connect, team, alice), await board_socket(connect, team, bob)

    await db(actions.task_reopen)(task=newest, by=alice)

    for socket, may_delete in ((mine, True), (theirs, False)):
        frame = by_id(await next_frame(socket, 3))
        listed = frame[f"board-{team.pk}-done"]
        assert listed.swap == "true" and len(listed.children_ids) == DONE_LIMIT
        assert f"task-{oldest.pk}" in listed.children_ids and f"task-{newest.pk}" not in listed.children_ids
        assert ("Delete “Done 0”" in listed.html) is may_delete  # each sees their own controls
        assert f"task-{newest.pk}" in frame[f"board-{team.pk}-open"].children_ids

    # a card that was never in the Done list leaves it alone, full or not: no list re-sent
    other = await db(actions.task_create)(board=team, by=alice, title="Still open")
    await db(actions.task_delete)(task=other, by=alice)
    for socket in (mine, theirs):
        for _ in range(2):  # its creation, then its deletion
            assert f"board-{team.pk}-done" not in by_id(await next_frame(socket, 3))
