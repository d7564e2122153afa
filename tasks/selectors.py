"""Reads. Pages, the API and the live snapshots all load boards and tasks through here."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, F, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from live.cache import PreparedQuery
from live.registry import Viewer
from tasks.models import Activity, Board, Membership, Role, Task
from tasks.permissions import BoardRoles, board_role

DONE_LIMIT = 30  # the Done list shows the most recent ones; the counter shows all
ACTIVITY_LIMIT = 20
WALL_LIMIT = 50  # lines on the activity page (a wall screen)
SUMMARY_LIMIT = 5  # open tasks named on a board's card on the home page
DUE_SOON_LIMIT = 10  # tasks in the board's "due this week"


# The queries on the hot paths (every socket handshake, every live event), compiled once:
# see live.cache.PreparedQuery. -7001 stands for the parameter.
_SEQ = PreparedQuery(lambda pk: Board.objects.filter(pk=pk).values_list("seq"), -7001)
_ROLES = PreparedQuery(
    lambda user: Membership.objects.filter(user_id=user).values_list("board_id", "role"), -7001
)
_BOARD = PreparedQuery(
    lambda pk: Board.objects.filter(pk=pk).values_list("pk", "name", "slug", "is_restricted"), -7001
)
_COUNTS = PreparedQuery(
    lambda pk: (
        Board.objects.filter(pk=pk)
        .annotate(
            open_count=Count("tasks", filter=Q(tasks__completed=False)),
            done_count=Count("tasks", filter=Q(tasks__completed=True)),
        )
        .values_list("seq", "open_count", "done_count")
    ),
    -7001,
)
_TASK = PreparedQuery(
    lambda pk, board: Task.objects.filter(pk=pk, board_id=board).select_related("assignee", "created_by"),
    -7001,
    -7002,
)
_ACTIVITY = PreparedQuery(lambda pk: Activity.objects.filter(pk=pk).select_related("actor", "board"), -7001)
_DUE = PreparedQuery(
    lambda board, first, last: (
        Task.objects.filter(board_id=board, completed=False, due_date__range=(first, last))
        .select_related("assignee")
        .order_by("due_date", "title")[:DUE_SOON_LIMIT]
    ),
    -7001,
    datetime.date(1901, 1, 1),
    datetime.date(1901, 1, 2),
)


def boards_visible_to(user: Any) -> QuerySet[Board]:
    return Board.objects.visible_to(user)


def board_get_for_user(user: Any, **lookup: Any) -> Board:
    """The board, or 404 (also when it exists but ``user`` may not see it: no leaking ids)."""
    board = Board.objects.filter(**lookup).first()
    if board is None or board_role(user, board) is None:
        raise Http404(_("No such board."))
    return board


def task_get_for_user(user: Any, pk: Any) -> Task:
    """The task, or 404 when it does not exist or is on a board ``user`` may not see."""
    task = Task.objects.filter(pk=pk, board__in=boards_visible_to(user)).select_related("board").first()
    if task is None:
        raise Http404(_("No such task."))
    return task


def default_board() -> Board | None:
    return Board.objects.filter(is_default=True).first()


def viewer_for(user: Any) -> Viewer:
    """What a socket's renders depend on: the user's boards and roles, in one query (the
    socket then sets the language of the page that opened it)."""
    roles = dict(_ROLES.rows(user.pk))
    return Viewer.shared(
        user_id=user.pk,
        is_superuser=user.is_superuser,
        audience=BoardRoles(
            member_of=frozenset(roles),
            managed=frozenset(board for board, role in roles.items() if role == Role.MANAGER),
        ),
    )


def assignable_users(board: Board) -> QuerySet[Any]:
    """Who can be assigned a task on ``board``: the people who can see it."""
    users = get_user_model().objects.filter(is_active=True).order_by("first_name", "username")
    if board.is_restricted:
        users = users.filter(Q(memberships__board=board) | Q(is_superuser=True)).distinct()
    return users


@dataclass(frozen=True, slots=True)
class BoardState:
    """Everything the board's live regions show, read consistently at change number ``seq``."""

    board_id: int
    seq: int
    open_tasks: list[Task]
    done_tasks: list[Task]
    open_count: int
    done_count: int


def _task_rows(board_id: int) -> QuerySet[Task]:
    return (
        Task.objects.filter(board_id=board_id)
        .select_related("assignee", "created_by")
        .annotate(board_seq=F("board__seq"))
        .order_by("-version")
    )


def board_counts(board_id: int) -> dict[str, int]:
    """Open and done counts and the change number, in one statement."""
    rows = _COUNTS.rows(board_id)
    if not rows:
        raise Board.DoesNotExist(board_id)
    seq, open_count, done_count = rows[0]
    return {"seq": seq, "open_count": open_count, "done_count": done_count}


def done_tasks_upto(board_id: int, seq: int) -> list[Task]:
    """The Done list as it stood at change number ``seq`` (the latest DONE_LIMIT), leaving
    out tasks changed since: their own events, still to come, place them."""
    return list(_task_rows(board_id).filter(completed=True, version__lte=seq)[:DONE_LIMIT])


def board_state(board_id: int, *, attempts: int = 3) -> BoardState:
    """The board's lists and counters as of one change number.

    Three statements, each stamped with the board's change number; if a write lands between
    them they disagree and we read again. The number then tells the hub which live events
    this state already includes. When writes keep landing, the lists are read as they stood
    at the counters' number, less the tasks changed since (their own events, still to come,
    place them): a card is never both in the state and in an event after its number.
    """
    for _attempt in range(attempts):
        counts = board_counts(board_id)
        open_tasks = list(_task_rows(board_id).filter(completed=False))
        done_tasks = list(_task_rows(board_id).filter(completed=True)[:DONE_LIMIT])
        if {task.board_seq for task in open_tasks + done_tasks} <= {counts["seq"]}:
            break
    else:
        counts = board_counts(board_id)
        open_tasks = list(_task_rows(board_id).filter(completed=False, version__lte=counts["seq"]))
        done_tasks = done_tasks_upto(board_id, counts["seq"])
    return BoardState(
        board_id=board_id,
        seq=counts["seq"],
        open_tasks=open_tasks,
        done_tasks=done_tasks,
        open_count=counts["open_count"],
        done_count=counts["done_count"],
    )


def board_activity(
    board_id: int, *, upto_seq: int | None = None, limit: int = ACTIVITY_LIMIT
) -> list[Activity]:
    """The board's latest activity, up to change number ``upto_seq`` (a snapshot's number:
    later lines arrive as live events)."""
    rows = Activity.objects.filter(board_id=board_id)
    if upto_seq is not None:
        rows = rows.filter(seq__lte=upto_seq)
    return list(rows.select_related("actor", "board")[:limit])


def activity_by_pk(pk: int) -> Activity | None:
    found = _ACTIVITY.objects(pk)
    return found[0] if found else None


def task_on_board(pk: int, board_id: int) -> Task | None:
    """The task as a live event renders it (None: deleted, or moved to another board)."""
    found = _TASK.objects(pk, board_id)
    return found[0] if found else None


def due_soon(board_id: int, *, days: int = 7) -> list[Task]:
    """Open tasks due from today to ``days`` ahead, soonest first (at most DUE_SOON_LIMIT)."""
    today = timezone.localdate()
    return _DUE.objects(board_id, today, today + datetime.timedelta(days=days))


def activity_for_user(
    user: Any, *, upto: dict[int, int] | None = None, limit: int = ACTIVITY_LIMIT
) -> list[Activity]:
    """The latest activity across every board ``user`` can see; with ``upto`` (board id ->
    change number), only the lines a snapshot at those numbers includes."""
    rows = Activity.objects.filter(board__in=boards_visible_to(user))
    if upto is not None:
        included = Q(pk__in=[])
        for board_id, seq in upto.items():
            included |= Q(board_id=board_id, seq__lte=seq)
        rows = rows.filter(included)
    return list(rows.select_related("actor", "board")[:limit])


def activity_up_to(upto: dict[int, int], *, limit: int) -> list[Activity]:
    """The latest lines of the boards in ``upto`` (board id -> change number), each only up to
    its number: what a cross-board feed's snapshot at those numbers holds (its page's topics
    are the boards its user may see)."""
    included = Q(pk__in=[])
    for board_id, seq in upto.items():
        included |= Q(board_id=board_id, seq__lte=seq)
    return list(Activity.objects.filter(included).select_related("actor", "board")[:limit])


def following_events(user: Any, board: Board) -> bool | None:
    """Whether ``user`` manages ``board`` and is notified of its events (None: not a manager)."""
    membership = Membership.objects.filter(board=board, user=user, role=Role.MANAGER).first()
    return None if membership is None else membership.follows_events


def activity_on_boards(restricted: frozenset[int] | None, *, upto: int, limit: int) -> list[Activity]:
    """The latest activity up to line ``upto`` on every open board and on the restricted
    boards ``restricted`` (None: on every board, as a superuser sees it)."""
    rows = Activity.objects.filter(pk__lte=upto)
    if restricted is not None:
        rows = rows.filter(Q(board__is_restricted=False) | Q(board_id__in=restricted))
    return list(rows.select_related("actor", "board")[:limit])


def restricted_board_ids() -> frozenset[int]:
    return frozenset(Board.objects.filter(is_restricted=True).values_list("pk", flat=True))


def current_seq(board_id: int) -> int:
    """The board's change number (raises Board.DoesNotExist)."""
    rows = _SEQ.rows(board_id)
    if not rows:
        raise Board.DoesNotExist(board_id)
    return rows[0][0]


def board_by_pk(board_id: int) -> Board | None:
    """The board's identity and access flag, for authorizing a socket."""
    rows = _BOARD.rows(board_id)
    if not rows:
        return None
    pk, name, slug, is_restricted = rows[0]
    return Board(pk=pk, name=name, slug=slug, is_restricted=is_restricted)


def board_seqs(board_ids: list[int]) -> dict[int, int]:
    return dict(Board.objects.filter(pk__in=board_ids).values_list("pk", "seq"))


def board_summary(board: Board) -> dict[str, Any]:
    """What a board's card on the home page shows."""
    counts = board_counts(board.pk)
    top = list(Task.objects.filter(board=board, completed=False).select_related("assignee")[:SUMMARY_LIMIT])
    return {
        "board": board,
        "open_count": counts["open_count"],
        "done_count": counts["done_count"],
        "top": top,
    }
