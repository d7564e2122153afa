"""The task pages' declared live regions (live/regions/): each re-rendered whole after
every task event of its board, and in every snapshot of the pages that show it.

| DOM id                      | page  | shows                                       |
|-----------------------------|-------|---------------------------------------------|
| ``board-<id>-open``, ``board-<id>-done`` | board | the task cards, newest change first (a collection: each event moves one card; the Done list shows the latest 30) |
| ``board-<id>-open-count``   | board | how many tasks are open                     |
| ``board-<id>-done-count``   | board | how many are done                           |
| ``board-<id>-summary``      | home  | the board's card: counts and the top open   |
| ``board-<id>-due-soon``     | board | open tasks due in the next 7 days (the how-to in docs/live-regions.md) |
| ``board-<id>-activity``     | board | the board's activity feed, newest first (a stream: each event adds its line) |
| ``presence-board-<id>``     | board | who is here (a presence: the hubs keep it)  |
| ``activity-feed``           | home, activity | the cross-board feed: a merged stream of every visible board's lines |
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from live.regions import Collection, MergedStream, Presence, Region, Stream
from live.registry import Viewer, once
from tasks import dom
from tasks.live import ACTIVITY, BOARD, FEED_LIMITS, TASKS, activity_item, board_content, card
from tasks.models import Board, Role, Task
from tasks.permissions import TaskAct, manages, may_on_task, roles_of
from tasks.selectors import (
    DONE_LIMIT,
    activity_by_pk,
    activity_on_boards,
    activity_up_to,
    board_activity,
    board_counts,
    board_summary,
    current_seq,
    done_tasks_upto,
    due_soon,
    restricted_board_ids,
    task_on_board,
)

TASK_EVENTS = ("task.changed", "task.deleted")


def _seq(board: int) -> int:
    """The board's change number, read once per render pass for all its regions."""
    return once(("board_seq", board), lambda: current_seq(board))


def _lists(board: int) -> tuple[dict[str, list[Task]], int]:
    """The Open and Done lists, read at one change number (kept per process: tasks/live.py)."""
    state = board_content(board)
    return {"open": state.open_tasks, "done": state.done_tasks}, state.seq


def _may_delete(viewer: Viewer, task: Task, board: int) -> bool:
    """The task rule for a viewer of the board (who is at least a member of it)."""
    role = Role.MANAGER if manages(viewer, board) else Role.MEMBER
    return may_on_task(TaskAct.DELETE, role=role, user_id=viewer.user_id, task=task)


task_lists = Collection(
    dom_id="board-{board}-{list}",
    lists=("open", "done"),
    template="tasks/partials/task_list.html",
    topic="board.{board}",
    change_on=TASK_EVENTS,
    state=_lists,
    item_key="task",
    read_item=lambda pk, board: task_on_board(pk, board),
    item=lambda task, can_delete: card(task, can_delete=can_delete),
    item_id=dom.task,
    place=lambda task: dom.column(task.completed),
    variant=_may_delete,  # the card shows a delete button to those who may delete it
    variants=(False, True),
    limits={"done": DONE_LIMIT},
    list_upto=lambda which, upto, board: done_tasks_upto(board, upto),
    pages=(BOARD,),
).register()


def _counter(which: str) -> Region:
    """The Open or the Done counter; both read the board's counts in one query per pass."""

    def context(board: int) -> dict[str, Any]:
        counts = once(("board_counts", board), lambda: board_counts(board))
        return {"value": counts[f"{which}_count"]}

    return Region(
        dom_id=f"board-{{board}}-{which}-count",
        template="tasks/partials/task_count.html",
        topic="board.{board}",
        refresh_on=TASK_EVENTS,
        context=context,
        pages=(BOARD,),
        version=_seq,
    ).register()


open_count, done_count = _counter("open"), _counter("done")

summary = Region(
    dom_id="board-{board}-summary",
    template="tasks/partials/board_summary.html",
    topic="board.{board}",
    refresh_on=TASK_EVENTS,
    context=lambda board: board_summary(Board.objects.get(pk=board)),
    pages=(TASKS,),
    version=_seq,
).register()


# The how-to's region (docs/live-regions.md): declared like the others, nothing else needed.
def _due_soon(board: int) -> dict[str, Any]:
    return {"tasks": due_soon(board), "today": timezone.localdate()}


due_soon_region = Region(
    dom_id="board-{board}-due-soon",
    template="tasks/partials/due_soon.html",
    topic="board.{board}",
    refresh_on=TASK_EVENTS,
    context=_due_soon,
    pages=(BOARD,),
    version=_seq,
).register()


activity = Stream(
    dom_id="board-{board}-activity",
    template="tasks/partials/activity_feed.html",
    topic="board.{board}",
    insert_on=TASK_EVENTS,
    item_key="activity",
    read_item=activity_by_pk,
    item=lambda line: activity_item(line, show_board=False),
    context=lambda upto, board: {"items": board_activity(board, upto_seq=upto)},
    at="afterbegin",
    pages=(BOARD,),
    version=_seq,
).register()

# Who is here on the board (kept by the hubs: live/presence.py).
presence = Presence(topic="board.{board}", pages=(BOARD,)).register()


def _feed_audience(viewer: Viewer) -> frozenset[int] | None:
    """What a viewer's cross-board feed differs by: the restricted boards it shows (None: every
    board, as a superuser sees it); open boards are everyone's."""
    if viewer.is_superuser:
        return None
    return roles_of(viewer).member_of & once(("restricted_boards",), restricted_board_ids)


cross_board_feed = MergedStream(
    dom_id=dom.ACTIVITY_FEED,
    template="tasks/partials/activity_feed.html",
    topic="board.{board}",  # every board the home or activity page's socket watches
    insert_on=TASK_EVENTS,
    item_key="activity",
    read_item=activity_by_pk,
    item=lambda line: activity_item(line, show_board=True),
    order=lambda line: line.pk,
    items=lambda upto, limit: activity_up_to(upto, limit=limit),
    audience=_feed_audience,
    items_upto=lambda audience, last, limit: activity_on_boards(audience, upto=last, limit=limit),
    limits=FEED_LIMITS,
    pages=(TASKS, ACTIVITY),
    version=_seq,
).register()
