"""Writes. One function per use case; the HTML views, the REST API, the WebSocket consumers
and the admin all call these.

Each action checks permissions, validates, and saves inside ``acting_as(by)``. It does not
publish anything itself: the Task signal handlers (tasks/signals.py) record the activity
line and publish the live event after commit, for these actions and for every other write
path alike (admin, shell, plain ORM saves).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tasks.actor import acting_as
from tasks.models import Board, Membership, Role, Task
from tasks.permissions import TaskAct, board_role, may_on_task
from tasks.selectors import assignable_users


def _require(act: TaskAct, board: Board, user: Any, task: Task | None = None) -> None:
    """Refuse (PermissionDenied, with the reason) what the task rule does not allow
    (tasks/permissions.py: :func:`may_on_task`)."""
    role = board_role(user, board)
    if role is None:
        raise PermissionDenied(_("You are not a member of this board."))
    if not may_on_task(act, role=role, user_id=user.pk, task=task):
        raise PermissionDenied(_("Only the task's creator or a board manager can delete it."))


def board_follow(*, board: Board, by: Any, follow: bool) -> bool:
    """A manager chooses whether the board's task events notify them (notifications/rules.py).
    Changes only their own membership; anyone else is refused."""
    membership = Membership.objects.filter(board=board, user=by, role=Role.MANAGER).first()
    if membership is None:
        raise PermissionDenied(_("Only the board's managers choose whether to follow its events."))
    if membership.follows_events != follow:
        membership.follows_events = follow
        membership.save(update_fields=["follows_events"])
    return follow


def _check_assignee(board: Board, assignee: Any) -> None:
    if assignee is not None and not assignable_users(board).filter(pk=assignee.pk).exists():
        raise ValidationError({"assignee": _("This person cannot see the board.")})


def task_create(
    *,
    board: Board,
    by: Any,
    title: str,
    description: str = "",
    assignee: Any = None,
    due_date: datetime.date | None = None,
) -> Task:
    """Create a task on ``board``. Every open page of the board shows it, and the activity
    feed says who created it."""
    _require(TaskAct.CREATE, board, by)
    _check_assignee(board, assignee)
    task = Task(
        board=board,
        title=title.strip(),
        description=description.strip(),
        created_by=by,
        assignee=assignee,
        due_date=due_date,
    )
    task.full_clean(exclude=["board", "created_by", "assignee"])  # those three are checked above
    with acting_as(by), transaction.atomic():
        task.save()
    return task


EDITABLE = {"title", "description", "assignee", "due_date"}


def task_update(*, task: Task, by: Any, **changes: Any) -> Task:
    """Change a task's title, description, assignee or due date (any member of its board)."""
    _require(TaskAct.EDIT, task.board, by, task)
    unknown = set(changes) - EDITABLE
    if unknown:
        raise ValidationError(_("Cannot change %(fields)s here.") % {"fields": ", ".join(sorted(unknown))})
    if "assignee" in changes:
        _check_assignee(task.board, changes["assignee"])
    for name, value in changes.items():
        setattr(task, name, value.strip() if isinstance(value, str) else value)
    task.full_clean(exclude=["board", "created_by", "assignee"])
    with acting_as(by), transaction.atomic():
        task.save()
    return task


def _set_completed(task: Task, by: Any, completed: bool) -> Task:
    _require(TaskAct.COMPLETE, task.board, by, task)
    with acting_as(by), transaction.atomic():
        locked = Task.objects.select_for_update().get(pk=task.pk)
        if locked.completed == completed:
            return locked  # already so: nothing changes, nobody is told
        locked.completed = completed
        locked.save()
    return locked


def task_complete(*, task: Task, by: Any) -> Task:
    """Mark done; the task moves to the top of every open board's Done list."""
    return _set_completed(task, by, True)


def task_reopen(*, task: Task, by: Any) -> Task:
    """Mark not done; the task moves to the top of every open board's Open list."""
    return _set_completed(task, by, False)


def task_delete(*, task: Task, by: Any) -> None:
    """Delete a task for good (its creator or a board manager); it disappears from every
    open board."""
    _require(TaskAct.DELETE, task.board, by, task)
    with acting_as(by), transaction.atomic():
        task.delete()
