"""Who is told about a task change. One function, so the rules can be read (and tested) in
one place:

- the new assignee of a task (created with them, or re-assigned to them): "assigned you";
- the creator and the assignee of a task someone completed, reopened or deleted: "your task";
- the board's managers who follow its events (a setting per manager, on by default): every
  task created, completed, reopened or deleted there;
- never the person who made the change, and never someone who can no longer see the board;
- one notification per person per change, the most specific reason winning.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model

from notifications.models import Kind
from tasks.models import Board, Membership, Role, Verb
from tasks.permissions import role_on

YOUR_TASK = {Verb.COMPLETED: Kind.COMPLETED, Verb.REOPENED: Kind.REOPENED, Verb.DELETED: Kind.DELETED}
BOARD_EVENTS = {Verb.CREATED, Verb.COMPLETED, Verb.REOPENED, Verb.DELETED}


def recipients(
    *,
    board_id: int,
    verb: str,
    actor_id: int | None,
    created_by_id: int | None,
    assignee_id: int | None,
    previous_assignee_id: int | None,
    **_: Any,
) -> dict[int, str]:
    """User id -> kind of notification, for one committed task change."""
    chosen: dict[int, str] = {}
    if verb in (Verb.CREATED, Verb.UPDATED) and assignee_id and assignee_id != previous_assignee_id:
        chosen[assignee_id] = Kind.ASSIGNED
    if verb in YOUR_TASK:
        for user_id in (assignee_id, created_by_id):
            if user_id:
                chosen.setdefault(user_id, YOUR_TASK[verb])
    if verb in BOARD_EVENTS:
        followers = Membership.objects.filter(board_id=board_id, role=Role.MANAGER, follows_events=True)
        for user_id in followers.values_list("user_id", flat=True):
            chosen.setdefault(user_id, Kind.BOARD_EVENT)
    chosen.pop(actor_id, None)  # type: ignore[arg-type]
    return _still_on_the_board(board_id, chosen)


def _still_on_the_board(board_id: int, chosen: dict[int, str]) -> dict[int, str]:
    board = Board.objects.filter(pk=board_id).first()
    if board is None or not chosen:
        return {}
    users = get_user_model().objects.filter(pk__in=chosen, is_active=True)
    roles = dict(Membership.objects.filter(board=board, user__in=users).values_list("user_id", "role"))
    return {
        user.pk: chosen[user.pk]
        for user in users
        if role_on(board, is_superuser=user.is_superuser, membership_role=roles.get(user.pk)) is not None
    }
