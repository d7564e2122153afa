"""Who may do what. One function per rule, used by pages, actions, the API and the live
renders alike, so a control is shown exactly when the server would accept it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from live.registry import Viewer
from tasks.models import Board, Membership, Role, Task


def role_on(board: Board, *, is_superuser: bool, membership_role: str | None) -> str | None:
    """The role on ``board`` of someone with that membership (or none), or None if they may
    not see it: superusers manage everything, an open board has everyone as a member."""
    if is_superuser:
        return Role.MANAGER
    if membership_role is not None:
        return membership_role
    return None if board.is_restricted else Role.MEMBER


def board_role(user: Any, board: Board) -> str | None:
    """The user's role on ``board`` now (read from the database), or None."""
    if not user.is_authenticated or not user.is_active:
        return None
    membership = Membership.objects.filter(board=board, user=user).values_list("role", flat=True).first()
    return role_on(board, is_superuser=user.is_superuser, membership_role=membership)


@dataclass(frozen=True, slots=True)
class BoardRoles:
    """A socket's boards, read once at connect: those with a membership row and those it
    manages (its ``Viewer.audience``: renders differ by it, e.g. the delete buttons)."""

    member_of: frozenset[int] = frozenset()
    managed: frozenset[int] = frozenset()


NO_ROLES = BoardRoles()


def roles_of(viewer: Viewer) -> BoardRoles:
    return viewer.audience if isinstance(viewer.audience, BoardRoles) else NO_ROLES


def manages(viewer: Viewer, board_id: int) -> bool:
    """Does the socket's viewer manage board ``board_id`` (a superuser manages every board)?"""
    return viewer.is_superuser or board_id in roles_of(viewer).managed


def viewer_role(viewer: Viewer, board: Board) -> str | None:
    """The role of a socket's viewer on ``board`` (from the memberships read at connect)."""
    membership = None
    roles = roles_of(viewer)
    if board.pk in roles.managed:
        membership = Role.MANAGER
    elif board.pk in roles.member_of:
        membership = Role.MEMBER
    return role_on(board, is_superuser=viewer.is_superuser, membership_role=membership)


class TaskAct(StrEnum):
    """What can be done to a task."""

    CREATE = "create"  # on a board
    EDIT = "edit"  # title, description, assignee, due date
    COMPLETE = "complete"  # and reopen: move it between Open and Done
    DELETE = "delete"  # for good


def may_on_task(act: TaskAct, *, role: str | None, user_id: int, task: Task | None = None) -> bool:
    """THE rule for tasks (README, "Who may do what to a task"), as the kanban boards teams
    use (Planka, Kanboard) have it: every member of a board (anyone on an open board, a
    restricted board's members and managers, superusers) may create, edit, complete and
    reopen any task on it; deleting one for good is for its creator and the board's managers.
    (Issue 11 will add archiving for members and then leave deleting to managers.)

    ``role`` is the person's role on the task's board (:func:`board_role`,
    :func:`viewer_role`), None if they may not see it. The actions (pages, sockets, the API)
    and the admin check it; the pages show a control exactly when it holds."""
    if role is None:
        return False
    if act is TaskAct.DELETE:
        return role == Role.MANAGER or (task is not None and task.created_by_id == user_id)
    return True


def user_may(user: Any, act: TaskAct, task: Task) -> bool:
    """:func:`may_on_task` for ``user`` now (their role read from the database)."""
    return may_on_task(act, role=board_role(user, task.board), user_id=user.pk, task=task)
