"""Who may do what. One function per rule, used by pages, actions, the API and the live
renders alike, so a control is shown exactly when the server would accept it."""

from __future__ import annotations

from typing import Any

from tasks.models import Board, Membership, Role, Task


def board_role(user: Any, board: Board) -> str | None:
    """The user's role on ``board``, or None if they may not see it."""
    if not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser:
        return Role.MANAGER
    role = Membership.objects.filter(board=board, user=user).values_list("role", flat=True).first()
    if role is not None:
        return role
    return None if board.is_restricted else Role.MEMBER


def may_delete(*, user_id: int, manages_board: bool, task: Task) -> bool:
    """Delete a task: its creator, or a manager of its board."""
    return manages_board or task.created_by_id == user_id
