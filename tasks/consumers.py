"""The task pages' sockets.

| route                   | page      | topics                      | inbound actions                   |
|-------------------------|-----------|-----------------------------|-----------------------------------|
| ws/boards/<board_id>/   | board     | board.<id>                  | task.create/complete/reopen/delete |
| ws/tasks/               | tasks     | board.<id> of visible boards |                                   |
| ws/notifications/       | activity  | board.<id> of visible boards |                                   |

Every one of them is also the user's notification socket (topic user.<id>, the bell in the
snapshot, and mark_read / mark_all_read / get_notifications, which the site adds to each of
these consumers in dashboard/routing.py: tasks know nothing of the notifications app).

``ws/tasks/`` and ``ws/notifications/`` are the lesson's routes: task updates and the
activity stream ("global notifications") for every board the user can see. What each page
receives for an event is in tasks/live.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from channels.db import database_sync_to_async
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _

from live.consumers import LiveConsumer
from live.protocol import Inbound
from live.registry import Viewer, render
from tasks import actions, broadcasts, live
from tasks.forms import TaskForm, TaskRefForm
from tasks.permissions import viewer_role
from tasks.selectors import board_by_pk, board_get_for_user, task_get_for_user, viewer_for


class BoardConsumer(LiveConsumer):
    page = live.BOARD
    actions = {
        "task.create": "create_task",
        "task.complete": "complete_task",
        "task.reopen": "reopen_task",
        "task.delete": "delete_task",
    }

    def authorize(self, user: Any) -> tuple[Viewer, list[str]]:
        board = board_by_pk(self.scope["url_route"]["kwargs"]["board_id"])
        viewer = viewer_for(user)
        if board is None or viewer_role(viewer, board) is None:
            raise Http404(_("No such board."))
        self.board_id = board.pk
        return viewer, [broadcasts.board_topic(board.pk)]

    # (its snapshot is its declared parts: tasks/regions.py)

    # --- inbound actions: the same actions as the HTML views, answered over this socket ----

    async def create_task(self, inbound: Inbound) -> None:
        try:
            error = await database_sync_to_async(self._create)(inbound.values)
        except PermissionDenied as exc:  # the account was deactivated since the socket opened
            await self.send_error(str(exc))
            return
        if error:
            await self.send(text_data=error)

    def _create(self, values: dict[str, Any]) -> str | None:
        """Validate with the page's form; on error, return the form with inline errors."""
        user = self.acting_user()
        board = board_get_for_user(user, pk=self.board_id)
        form = TaskForm(values, board=board)
        if form.is_valid():
            try:
                actions.task_create(board=board, by=user, **form.cleaned_data)
                return None
            except ValidationError as exc:
                form.add_error(None, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
        return render("tasks/partials/task_form.html", {"form": form, "board": board, "oob": True})

    async def complete_task(self, inbound: Inbound) -> None:
        await self._on_task(inbound, actions.task_complete)

    async def reopen_task(self, inbound: Inbound) -> None:
        await self._on_task(inbound, actions.task_reopen)

    async def delete_task(self, inbound: Inbound) -> None:
        await self._on_task(inbound, actions.task_delete)

    async def _on_task(self, inbound: Inbound, action: Callable[..., Any]) -> None:
        form = TaskRefForm(inbound.values)
        if not form.is_valid():
            await self.send_error(_("That message named no valid task."))
            return
        try:
            await database_sync_to_async(self._run)(action, form.cleaned_data["task"])
        except Http404:
            await self.send_error(_("No such task."))
        except PermissionDenied as exc:
            await self.send_error(str(exc))

    def _run(self, action: Callable[..., Any], task_id: int) -> None:
        user = self.acting_user()
        task = task_get_for_user(user, task_id)
        action(task=task, by=user)


class TasksConsumer(LiveConsumer):
    """The home page: every visible board's summary and the cross-board activity."""

    page = live.TASKS

    def authorize(self, user: Any) -> tuple[Viewer, list[str]]:
        board_ids = live.visible_board_ids(user)
        return viewer_for(user), [broadcasts.board_topic(pk) for pk in board_ids]


class ActivityConsumer(TasksConsumer):
    """The cross-board activity feed: the lesson's global notifications stream."""

    page = live.ACTIVITY
