"""Who may do what. One function per rule, used by pages, actions, the API and the live
renders alike, so a control is shown exactly when the server would accept it."""

from __future__ import annotations

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


def viewer_role(viewer: Viewer, board: Board) -> str | None:
    """The role of a socket's viewer on ``board`` (from the memberships read at connect)."""
    membership = None
    if board.pk in viewer.managed_boards:
        membership = Role.MANAGER
    elif board.pk in viewer.member_of:
        membership = Role.MEMBER
    return role_on(board, is_superuser=viewer.is_superuser, membership_role=membership)


def may_delete(*, user_id: int, manages_board: bool, task: Task) -> bool:
    """Delete a task: its creator, or a manager of its board."""
    return manages_board or task.created_by_id == user_id
