"""What task events look like on the cross-board feeds, what those pages' snapshots hold,
and the per-process caches the task pages' declared parts (tasks/regions.py) render from.

Pages (the ``page`` of their consumer):
- ``board``: one board's Open and Done lists, counters, due soon and activity feed, all
  declared (tasks/regions.py);
- ``tasks``: the home page, a summary card per visible board (declared) plus the cross-board
  feed (here);
- ``activity``: the cross-board activity feed alone (a wall ticker, here).

The cross-board feed is rendered here rather than declared: it merges several boards' lines,
which may publish out of order between boards, and a declared stream follows one topic.

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

from live import stats
from live.cache import LRU
from live.fragments import oob_into
from live.registry import Variants, Viewer, once, render, renders, viewers_of
from tasks import dom
from tasks.broadcasts import board_topic
from tasks.models import Activity, Task
from tasks.permissions import roles_of
from tasks.selectors import (
    ACTIVITY_LIMIT,
    WALL_LIMIT,
    BoardState,
    activity_by_pk,
    activity_for_user,
    activity_on_boards,
    board_seqs,
    board_state,
    boards_visible_to,
    current_seq,
    restricted_board_ids,
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


# --- events ------------------------------------------------------------------------------


@renders("task.changed", "task.deleted")
def task_event(event: dict[str, Any], pages: frozenset[str]) -> dict[str, str | Variants]:
    """An event's line on top of the cross-board feeds (the board page's parts are declared)."""
    frames: dict[str, str | Variants] = {}
    activity = None
    if event.get("activity"):
        pk = event["activity"]
        activity = once((activity_by_pk, pk), lambda: activity_by_pk(pk))  # the board feed's read
    feeds = pages & {TASKS, ACTIVITY}  # (the summary card on the home page is a declared region)
    if activity is not None and feeds:
        frames.update(_feed_frames(activity, feeds))
    return frames


class _Feeds:
    newest = 0  # the newest line this process has put on top of the cross-board feeds


def _feed_frames(activity: Activity, feeds: frozenset[str]) -> dict[str, str | Variants]:
    """An event's part in the cross-board feeds: its line, on top. Each board's events come
    in order (live/ordering.py), but two boards' writes may publish the other way round; a
    line older than one already on top would then stand above it. Such an event sends the
    whole feed instead, read from the database up to the newest line on top (those after it
    are still to come, on top), once per audience present (the restricted boards they see):
    every line in its place."""
    if activity.pk >= _Feeds.newest:
        _Feeds.newest = activity.pk
        line = oob_into(dom.ACTIVITY_FEED, "afterbegin", activity_item(activity, show_board=True))
        return dict.fromkeys(feeds, line)
    stats.counters["feeds_reordered"] += 1
    restricted = once(("restricted_boards",), restricted_board_ids)

    def audience(viewer: Viewer) -> frozenset[int] | None:
        return None if viewer.is_superuser else roles_of(viewer).member_of & restricted

    frames: dict[str, str | Variants] = {}
    for page in feeds:
        whole = {
            key: activity_feed(
                dom.ACTIVITY_FEED,
                activity_on_boards(key, upto=_Feeds.newest, limit=FEED_LIMITS[page]),
                show_board=True,
                oob=True,
            )
            for key in {audience(viewer) for viewer in viewers_of(page)}
        }
        frames[page] = Variants(key=audience, frames=whole)  # type: ignore[arg-type]
    return frames


# --- snapshots -----------------------------------------------------------------------------


def home_snapshot(user: Any, board_ids: list[int]) -> tuple[str, dict[str, int]]:
    """The cross-board feed (each board's summary card is a declared region). Change numbers
    are read first; the feed holds only lines up to them, the later ones arrive as events."""
    seqs = board_seqs(board_ids)
    return activity_snapshot(user, seqs), {board_topic(pk): seq for pk, seq in seqs.items()}


def activity_page_snapshot(user: Any, board_ids: list[int]) -> tuple[str, dict[str, int]]:
    seqs = board_seqs(board_ids)
    return activity_snapshot(user, seqs, limit=WALL_LIMIT), {board_topic(pk): seq for pk, seq in seqs.items()}


def activity_snapshot(user: Any, seqs: dict[int, int], *, limit: int = ACTIVITY_LIMIT) -> str:
    """The cross-board feed, holding only lines up to each board's change number in ``seqs``."""
    rows = activity_for_user(user, upto=seqs, limit=limit)
    return activity_feed(dom.ACTIVITY_FEED, rows, show_board=True, oob=True)


def visible_board_ids(user: Any) -> list[int]:
    return list(boards_visible_to(user).values_list("pk", flat=True))
