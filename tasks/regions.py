"""The task pages' declared live regions (live/regions.py): each re-rendered whole after
every task event of its board, and in every snapshot of the pages that show it.

| DOM id                      | page  | shows                                       |
|-----------------------------|-------|---------------------------------------------|
| ``board-<id>-open-count``   | board | how many tasks are open                     |
| ``board-<id>-done-count``   | board | how many are done                           |
| ``board-<id>-summary``      | home  | the board's card: counts and the top open   |
| ``board-<id>-due-soon``     | board | open tasks due in the next 7 days (the how-to in docs/live-regions.md) |
| ``board-<id>-activity``     | board | the board's activity feed, newest first (a stream: each event adds its line) |
| ``presence-board-<id>``     | board | who is here (a presence: the hubs keep it)  |

The task lists and the cross-board feed are rendered by tasks/live.py (it says why).
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from live.regions import Presence, Region, Stream
from live.registry import once
from tasks.live import activity_item
from tasks.models import Board
from tasks.selectors import activity_by_pk, board_activity, board_counts, board_summary, current_seq, due_soon

BOARD, TASKS = "board", "tasks"  # the pages (tasks/consumers.py)
TASK_EVENTS = ("task.changed", "task.deleted")


def _seq(board: int) -> int:
    """The board's change number, read once per render pass for all its regions."""
    return once(("board_seq", board), lambda: current_seq(board))


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
