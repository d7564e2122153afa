"""The task pages' names, and the per-process caches their declared parts (tasks/regions.py)
render from.

Pages (the ``page`` of their consumer):
- ``board``: one board's Open and Done lists, counters, due soon and activity feed, all
  declared (tasks/regions.py);
- ``tasks``: the home page, a summary card per visible board and the cross-board feed;
- ``activity``: the cross-board activity feed alone (a wall ticker).

Every live part of these pages is declared (tasks/regions.py), the cross-board feed too (a
merged stream: live/regions/merged.py).

Rendered cards and activity lines are kept per process, keyed by what makes them current
(a task's version, today's date, the language), and so is each board's content at its
current change number: a thousand sockets opening the same board cost one read of it,
plus one query each to learn that it has not changed.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from live.cache import LRU
from live.registry import render
from tasks.models import Activity, Task
from tasks.selectors import (
    ACTIVITY_LIMIT,
    WALL_LIMIT,
    BoardState,
    board_state,
    boards_visible_to,
    current_seq,
)

BOARD, TASKS, ACTIVITY = "board", "tasks", "activity"
FEED_LIMITS = {TASKS: ACTIVITY_LIMIT, ACTIVITY: WALL_LIMIT}  # cross-board feed lines per page

_cards: LRU[SafeString] = LRU("cards", 5000)
_lines: LRU[SafeString] = LRU("lines", 5000)
_boards: LRU[BoardState] = LRU("boards", 500)


# --- regions (also used by the full-page views) ------------------------------------------


def card(task: Task, *, can_delete: bool) -> SafeString:
    key = (task.pk, task.version, can_delete, timezone.localdate(), get_language())
    return _cards.get_or_make(
        key, lambda: render("tasks/partials/task_card.html", {"task": task, "can_delete": can_delete})
    )


def activity_item(activity: Activity, *, show_board: bool) -> SafeString:
    return _lines.get_or_make(
        (activity.pk, show_board, get_language()),
        lambda: render("tasks/partials/activity_item.html", {"activity": activity, "show_board": show_board}),
    )


def activity_feed(feed_id: str, activities: list[Activity], *, show_board: bool, oob: bool) -> SafeString:
    items = [activity_item(activity, show_board=show_board) for activity in activities]
    return render("tasks/partials/activity_feed.html", {"region_id": feed_id, "items": items, "oob": oob})


def board_content(board_id: int) -> BoardState:
    """The board's lists and counters as of its current change number."""
    seq = current_seq(board_id)
    cached = _boards.get(board_id)
    if cached is not None and cached.seq == seq:
        return cached
    state = board_state(board_id)
    _boards.put(board_id, state)
    return state


def visible_board_ids(user: Any) -> list[int]:
    return list(boards_visible_to(user).values_list("pk", flat=True))
