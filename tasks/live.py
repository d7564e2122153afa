"""What task events look like on each live page, and what each page's snapshot holds.

Pages (the ``page`` of their consumer):
- ``board``: one board's Open and Done lists (here), its counters and activity feed (declared
  in tasks/regions.py);
- ``tasks``: the home page, a summary card per visible board (declared) plus the cross-board
  feed (here);
- ``activity``: the cross-board activity feed alone (a wall ticker).

The lists and the cross-board feed are rendered here rather than declared: a card differs by
who may delete it, moves between two lists and refills the Done window, and lines of several
boards' feeds may publish out of order; these are the things a declared region or stream does
not do. Every part is rendered by the same partial as in the full page (``oob=True`` adds the
``hx-swap-oob`` attribute). A task event renders, per process: the task card twice at most
(with and without the delete button), the counters, the activity line and the summary
card, whatever the number of sockets.

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
from live.audit import change_numbers
from live.cache import LRU
from live.fragments import oob_delete, oob_into
from live.registry import Parts, Variants, Viewer, once, render, renders, viewers_of
from tasks import dom
from tasks.broadcasts import board_topic
from tasks.models import Activity, Board, Task
from tasks.permissions import may_delete
from tasks.selectors import (
    ACTIVITY_LIMIT,
    DONE_LIMIT,
    WALL_LIMIT,
    BoardState,
    activity_by_pk,
    activity_for_user,
    activity_on_boards,
    board_counts,
    board_seqs,
    board_state,
    boards_visible_to,
    current_seq,
    done_tasks_upto,
    restricted_board_ids,
    task_on_board,
)

BOARD, TASKS, ACTIVITY = "board", "tasks", "activity"
FEED_LIMITS = {TASKS: ACTIVITY_LIMIT, ACTIVITY: WALL_LIMIT}  # cross-board feed lines per page

_cards: LRU[SafeString] = LRU("cards", 5000)
_lines: LRU[SafeString] = LRU("lines", 5000)
_boards: LRU[BoardState] = LRU("boards", 500)
_snapshots: LRU[str] = LRU("snapshots", 300)


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


def board_regions(
    board_id: int, viewer: Viewer, *, oob: bool, state: BoardState | None = None
) -> tuple[dict[str, SafeString], int]:
    """The board page's two lists as ``viewer`` sees them (from ``state`` when the caller has
    read it already), and the change number they show."""
    state = state or board_content(board_id)
    manages = viewer.manages(board_id)

    def task_list(which: str, tasks: list[Task]) -> SafeString:
        cards = [
            card(task, can_delete=may_delete(user_id=viewer.user_id, manages_board=manages, task=task))
            for task in tasks
        ]
        context = {"board_id": board_id, "which": which, "cards": cards, "oob": oob}
        return render("tasks/partials/task_list.html", context)

    regions = {
        "open_list": task_list("open", state.open_tasks),
        "done_list": task_list("done", state.done_tasks),
    }
    return regions, state.seq


# --- events ------------------------------------------------------------------------------


@renders("task.changed", "task.deleted")
def task_event(event: dict[str, Any], pages: frozenset[str]) -> dict[str, str | Variants | Parts]:
    board_id = event["board"]
    task = None
    if event["kind"] == "task.changed":
        task = task_on_board(event["task"], board_id)
    frames: dict[str, str | Variants | Parts] = {}
    if BOARD in pages:  # (the board's own feed is a declared stream: tasks/regions.py)
        frames[BOARD] = _board_frame(event, task)
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
        return None if viewer.is_superuser else viewer.member_of & restricted

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


def _board_frame(event: dict[str, Any], task: Task | None) -> str | Variants | Parts:
    """The event's part in the board's two lists (its counters and activity feed are
    declared: tasks/regions.py)."""
    board_id = event["board"]
    if task is None:  # deleted, moved away, or gone before we got here
        return _refilling_done(event, oob_delete(dom.task(event["task"])))

    # A change moves the card to the top of its list (lists are ordered by last change).
    # Creation only inserts: the card is on no page yet.
    move = "" if event.get("verb") == "created" else oob_delete(dom.task(task.pk))
    target = dom.task_list(board_id, "done" if task.completed else "open")
    frames = {
        allowed: move + oob_into(target, "afterbegin", card(task, can_delete=allowed))
        for allowed in (False, True)
    }

    def can_delete(viewer: Viewer) -> bool:
        return may_delete(user_id=viewer.user_id, manages_board=viewer.manages(board_id), task=task)

    variants = Variants(key=can_delete, frames=frames)
    if event.get("verb") in ("reopened", "moved"):
        return _refilling_done(event, variants)
    return variants


def _refilling_done(event: dict[str, Any], frame: str | Variants) -> str | Variants | Parts:
    """A card left the Done list (deleted, reopened, moved away). The list shows the latest
    DONE_LIMIT, so when more are done than that, the one that now comes into view is on no
    page yet: send the whole list, as it stood at this event, once per audience present (who
    may delete which cards)."""
    board_id = event["board"]
    counts = once(("board_counts", board_id), lambda: board_counts(board_id))  # the counters' read
    if counts["done_count"] < DONE_LIMIT:
        return frame
    tasks = done_tasks_upto(board_id, event["seq"])

    def deletable(viewer: Viewer) -> object:
        if viewer.manages(board_id):
            return "all"
        return frozenset(task.pk for task in tasks if task.created_by_id == viewer.user_id)

    lists: dict[object, str] = {}
    for viewer in viewers_of(BOARD):
        key = deletable(viewer)
        if key not in lists:
            cards = [card(task, can_delete=key == "all" or task.pk in key) for task in tasks]  # type: ignore[operator]
            lists[key] = render(
                "tasks/partials/task_list.html",
                {"board_id": board_id, "which": "done", "cards": cards, "oob": True},
            )
    return Parts([frame, Variants(key=deletable, frames=lists)])


# --- snapshots -----------------------------------------------------------------------------


def board_snapshot(board_id: int, viewer: Viewer) -> tuple[str, dict[str, int]]:
    """The board page's regions for a (re)connecting socket. Viewers who may delete the same
    cards see the same snapshot, so it is rendered once per such group and change number."""
    state = board_content(board_id)
    if viewer.manages(board_id):
        deletable: object = "all"
    else:
        deletable = frozenset(
            t.pk for t in state.open_tasks + state.done_tasks if t.created_by_id == viewer.user_id
        )
    key = (board_id, state.seq, deletable, timezone.localdate(), get_language())
    # rendered from the state read above: the html shows exactly change state.seq
    html = _snapshots.get_or_make(
        key, lambda: "".join(board_regions(board_id, viewer, oob=True, state=state)[0].values())
    )
    return html, {board_topic(board_id): state.seq}


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


@change_numbers("board")
def board_change_numbers(ids: list[int]) -> dict[int, int]:
    """Each board's change number, for the hubs' audit (live/audit.py)."""
    return dict(Board.objects.filter(pk__in=ids).values_list("pk", "seq"))
