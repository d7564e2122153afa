"""Declared live regions (live/regions/), through the how-to's own example: the board's
"due this week" list (tasks/regions.py, docs/live-regions.md), end to end; a project's
template override used by the pushes; a region of a model of one's own; streams (lists that
grow one item at a time): one of one's own, and each item exactly once across a snapshot
and the events after it; a collection of one's own (items that move between lists)."""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.db import transaction
from django.test import Client
from django.utils import timezone
from django.utils.html import format_html

from live import regions
from tasks import actions
from tasks.models import Board
from tasks.permissions import manages
from tests.frames import by_id, next_frame, quiet

pytestmark = pytest.mark.django_db(transaction=True)
db = database_sync_to_async
DOCS = Path(__file__).resolve().parents[1] / "docs"


def due(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


async def test_the_howto_region_is_on_the_page_in_the_snapshot_and_follows_every_change(
    connect: Any, team: Any, alice: Any, bob: Any
) -> None:
    await db(actions.task_create)(board=team, by=alice, title="Book the venue", due_date=due(3))
    await db(actions.task_create)(board=team, by=alice, title="Next month", due_date=due(30))

    client = Client()
    await db(client.force_login)(alice)
    page = (await db(client.get)(f"/boards/{team.slug}/")).content.decode()
    region = re.search(rf'<ul id="board-{team.pk}-due-soon".*?</ul>', page, re.S).group(0)
    assert "Book the venue" in region and "Next month" not in region

    socket = await connect(f"/ws/boards/{team.pk}/", bob)
    snapshot = by_id(await next_frame(socket, 3))
    assert "Book the venue" in snapshot[f"board-{team.pk}-due-soon"].text

    task = await db(actions.task_create)(board=team, by=alice, title="Ship the release", due_date=due(1))
    pushed = by_id(await next_frame(socket, 3))[f"board-{team.pk}-due-soon"]
    assert pushed.swap == "true"
    assert pushed.text.index("Ship the release") < pushed.text.index("Book the venue")  # soonest first

    await db(actions.task_complete)(task=task, by=bob)
    assert "Ship the release" not in by_id(await next_frame(socket, 3))[f"board-{team.pk}-due-soon"].text


async def test_a_projects_own_template_overrides_the_region_in_pushes_too(
    connect: Any, team: Any, alice: Any, settings: Any, tmp_path: Path
) -> None:
    override = tmp_path / "tasks" / "partials" / "due_soon.html"
    override.parent.mkdir(parents=True)
    override.write_text(
        '<ol id="{{ region_id }}"{% if oob %} hx-swap-oob="true"{% endif %} class="ours">'
        "{% for task in tasks %}<li>Soon: {{ task.title }}</li>{% endfor %}</ol>"
    )
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]

    socket = await connect(f"/ws/boards/{team.pk}/", alice)
    assert by_id(await next_frame(socket, 3))[f"board-{team.pk}-due-soon"].attrs["class"] == "ours"
    await db(actions.task_create)(board=team, by=alice, title="Book the venue", due_date=due(2))
    pushed = by_id(await next_frame(socket, 3))[f"board-{team.pk}-due-soon"]
    assert (pushed.tag, pushed.text) == ("ol", "Soon: Book the venue")


async def test_a_region_of_a_model_of_ones_own_publishes_after_commit(
    connect: Any, team: Any, alice: Any, settings: Any, tmp_path: Path
) -> None:
    """``models=`` + ``keys_of``: saving a model that publishes nothing itself refreshes the
    region once the transaction commits (here: a board's name, shown in a small region);
    after an ``update()``, which sends no signal, ``refresh()`` does."""

    (tmp_path / "board_name.html").write_text(
        '<span id="{{ region_id }}"{% if oob %} hx-swap-oob="true"{% endif %}>{{ name }}</span>'
    )
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
    region = regions.Region(
        dom_id="board-{board}-test-name",
        template="board_name.html",
        topic="board.{board}",
        refresh_on=(),
        context=lambda board: {"name": Board.objects.get(pk=board).name},
        pages=("board",),
        models=(Board,),
        keys_of=lambda board: {"board": board.pk},
    )
    try:
        region.register()
        socket = await connect(f"/ws/boards/{team.pk}/", alice)
        assert by_id(await next_frame(socket, 3))[f"board-{team.pk}-test-name"].text == "Team board"

        def rename() -> None:
            team.name = "Launch"
            team.save()

        await db(rename)()
        assert by_id(await next_frame(socket, 3))[f"board-{team.pk}-test-name"].text == "Launch"
        for _ in range(10):  # saving a board re-checks access (a fresh snapshot): let it pass
            if await quiet(socket, 0.3):
                break

        def rename_in_bulk() -> None:  # update() sends no signal: the code says what changed
            with transaction.atomic():
                Board.objects.filter(pk=team.pk).update(name="Relaunch")
                region.refresh(board=team.pk)

        await db(rename_in_bulk)()
        assert by_id(await next_frame(socket, 3))[f"board-{team.pk}-test-name"].text == "Relaunch"
    finally:
        region.unregister()


async def test_visible_to_narrows_a_region_to_its_audience(
    connect: Any, team: Any, alice: Any, manager: Any, settings: Any, tmp_path: Path
) -> None:
    """``visible_to(viewer, **keys)``: a managers-only count of open tasks reaches the manager's
    page, in the snapshot and on every change, and never a member's (rendered once either way)."""
    from tasks.models import Task

    (tmp_path / "open_for_managers.html").write_text(
        '<b id="{{ region_id }}"{% if oob %} hx-swap-oob="true"{% endif %}>{{ count }} open</b>'
    )
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
    dom_id = f"board-{team.pk}-managers-only"
    region = regions.Region(
        dom_id="board-{board}-managers-only",
        template="open_for_managers.html",
        topic="board.{board}",
        refresh_on=("task.changed", "task.deleted"),
        context=lambda board: {"count": Task.objects.filter(board_id=board, completed=False).count()},
        pages=("board",),
        visible_to=lambda viewer, board: manages(viewer, board),
    )
    try:
        region.register()
        boss = await connect(f"/ws/boards/{team.pk}/", manager)
        member = await connect(f"/ws/boards/{team.pk}/", alice)
        assert by_id(await next_frame(boss, 3))[dom_id].text == "0 open"
        assert dom_id not in by_id(await next_frame(member, 3))

        await db(actions.task_create)(board=team, by=alice, title="Counted")

        assert by_id(await next_frame(boss, 3))[dom_id].text == "1 open"
        assert dom_id not in by_id(await next_frame(member, 3))  # the card came, the count did not
    finally:
        region.unregister()


async def test_a_stream_of_ones_own_inserts_each_new_item_it_names(
    connect: Any, team: Any, alice: Any, bob: Any, settings: Any, tmp_path: Path
) -> None:
    """A "completed lately" ticker declared in a few lines: in the page's snapshot, and each
    completion inserted on top by itself; an event whose item it does not show adds nothing."""
    from tasks.models import Activity, Verb

    (tmp_path / "completions.html").write_text(
        '<ul id="{{ region_id }}"{% if oob %} hx-swap-oob="true"{% endif %}>'
        "{% for item in items %}{{ item }}{% endfor %}</ul>"
    )
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]

    def completions(board: int, upto: int | None = None) -> list[Activity]:
        rows = Activity.objects.filter(board_id=board, verb=Verb.COMPLETED)
        return list(rows.filter(seq__lte=upto) if upto is not None else rows)

    dom_id = f"board-{team.pk}-completions"
    stream = regions.Stream(
        dom_id="board-{board}-completions",
        template="completions.html",
        topic="board.{board}",
        insert_on=("task.changed",),
        item_key="activity",
        read_item=lambda pk: Activity.objects.filter(pk=pk, verb=Verb.COMPLETED).first(),
        item=lambda line: format_html('<li id="done-{}">{}</li>', line.pk, line.task_title),
        context=lambda upto, board: {"items": completions(board, upto)},
        pages=("board",),
        version=lambda board: Board.objects.get(pk=board).seq,
    )
    first = await db(actions.task_create)(board=team, by=alice, title="Book the venue")
    await db(actions.task_complete)(task=first, by=alice)
    try:
        stream.register()
        socket = await connect(f"/ws/boards/{team.pk}/", bob)
        snapshot = by_id(await next_frame(socket, 3))[dom_id]
        assert (snapshot.swap, snapshot.text) == ("true", "Book the venue")

        second = await db(actions.task_create)(board=team, by=alice, title="Ship it")
        assert dom_id not in by_id(await next_frame(socket, 3))  # a creation: not its item
        await db(actions.task_complete)(task=second, by=bob)
        inserted = by_id(await next_frame(socket, 3))[dom_id]
        assert (inserted.swap, inserted.children_ids, inserted.text) == (
            "afterbegin",
            [f"done-{await db(Activity.objects.values_list('pk', flat=True).first)()}"],
            "Ship it",
        )
    finally:
        stream.unregister()


async def test_a_collection_of_ones_own_moves_each_item_it_names(
    connect: Any, team: Any, alice: Any, bob: Any, manager: Any, settings: Any, tmp_path: Path
) -> None:
    """Kanban-style lanes declared in a few lines: "Unassigned" and "Assigned" on the board,
    in the page's snapshot; assigning a task moves its card to the top of the other lane by
    itself; deleting takes it off; the card names the assignee only to managers (a variant)."""
    from tasks.models import Task
    from tasks.selectors import task_on_board

    (tmp_path / "lane.html").write_text(
        '<ol id="{{ region_id }}"{% if oob %} hx-swap-oob="true"{% endif %}>'
        "{% for item in items %}{{ item }}{% endfor %}</ol>"
    )
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]

    def lanes(board: int) -> tuple[dict[str, list[Task]], int]:
        tasks = list(Task.objects.filter(board_id=board).select_related("assignee"))
        return {
            "unassigned": [t for t in tasks if t.assignee_id is None],
            "assigned": [t for t in tasks if t.assignee_id is not None],
        }, Board.objects.get(pk=board).seq

    def card(task: Task, names_assignee: bool) -> Any:
        who = f" ({task.assignee.username})" if names_assignee and task.assignee else ""
        return format_html('<li id="lane-task-{}">{}{}</li>', task.pk, task.title, who)

    collection = regions.Collection(
        dom_id="board-{board}-lane-{list}",
        lists=("unassigned", "assigned"),
        template="lane.html",
        topic="board.{board}",
        change_on=("task.changed", "task.deleted"),
        state=lanes,
        item_key="task",
        read_item=lambda pk, board: task_on_board(pk, board),
        item=card,
        item_id=lambda pk: f"lane-task-{pk}",
        place=lambda task: "assigned" if task.assignee_id else "unassigned",
        variant=lambda viewer, task, board: manages(viewer, board),
        variants=(False, True),
        pages=("board",),
    )
    task = await db(actions.task_create)(board=team, by=alice, title="Book the venue")
    unassigned, assigned = f"board-{team.pk}-lane-unassigned", f"board-{team.pk}-lane-assigned"
    try:
        collection.register()
        member, boss = (
            await connect(f"/ws/boards/{team.pk}/", alice),
            await connect(f"/ws/boards/{team.pk}/", manager),
        )
        snapshot = by_id(await next_frame(member, 3))
        await next_frame(boss, 3)
        assert snapshot[unassigned].children_ids == [f"lane-task-{task.pk}"]
        assert snapshot[assigned].children_ids == []

        await db(actions.task_update)(task=task, by=alice, assignee=bob)
        for socket, shows in ((member, "Book the venue"), (boss, "Book the venue (bob)")):
            frame = await next_frame(socket, 3)
            parts = by_id(frame)
            assert frame.index(f'id="lane-task-{task.pk}" hx-swap-oob="delete"') < frame.index(
                f'id="{assigned}"'
            )
            assert (parts[assigned].swap, parts[assigned].children_ids) == (
                "afterbegin",
                [f"lane-task-{task.pk}"],
            )
            assert parts[assigned].text == shows

        await db(actions.task_delete)(task=await db(Task.objects.get)(pk=task.pk), by=alice)
        gone = by_id(await next_frame(member, 3))
        assert gone[f"lane-task-{task.pk}"].swap == "delete" and assigned not in gone
    finally:
        collection.unregister()


async def test_a_streams_items_arrive_once_when_a_write_lands_during_the_snapshot(
    connect: Any, team: Any, alice: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The board's activity feed is a stream. A task created after the page's lists were read
    but before the feed was: the feed in the snapshot stops where the lists do, and the event
    adds the new line once (had the feed shown it, the event would have added it twice)."""
    from tasks import regions as task_regions
    from tasks.models import Activity

    original, raced_once = task_regions.board_content, []

    def write_after_the_lists(board: int) -> Any:
        lists = original(board)
        if not raced_once:
            raced_once.append(actions.task_create(board=team, by=alice, title="Raced"))
        return lists

    await db(actions.task_create)(board=team, by=alice, title="Before")
    monkeypatch.setattr(task_regions, "board_content", write_after_the_lists)
    socket = await connect(f"/ws/boards/{team.pk}/", alice)
    feed_id = f"board-{team.pk}-activity"
    snapshot = by_id(await next_frame(socket, 3))
    pushed = by_id(await next_frame(socket, 3))

    before, raced = await db(lambda: list(Activity.objects.order_by("pk").values_list("pk", flat=True)))()
    assert snapshot[feed_id].children_ids == [f"activity-{before}"]
    assert (pushed[feed_id].swap, pushed[feed_id].children_ids) == ("afterbegin", [f"activity-{raced}"])
    assert "Raced" in pushed[f"board-{team.pk}-open"].text
    assert await quiet(socket, 0.3)


def test_who_is_here_and_who_is_typing_follow_their_declarations() -> None:
    """Presence and Typing (tasks/regions.py, chat/regions.py) decide where a socket counts as
    here: the board and the room, not the home page that watches every board."""
    assert regions.here_on("board", ["board.3", "user.7"]) == (("board.3",), False)
    assert regions.here_on("room", ["room.5", "user.7"]) == (("room.5",), True)
    assert regions.here_on("tasks", ["board.3", "board.4", "user.7"]) == ((), False)
    shown = regions.declared("presence-board-{board}").render(oob=False, board=3)
    assert shown.startswith('<ul id="presence-board-3"')


def test_every_declared_region_is_in_the_fragment_catalogue() -> None:
    catalogue = (DOCS / "live-regions.md").read_text()
    for region in regions.all_declared():
        assert f"`{region.dom_id}`" in catalogue, f"{region.dom_id} is missing from docs/live-regions.md"
        assert f"`{region.template}`" in catalogue, region.template
