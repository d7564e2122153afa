"""The daily reminder: everyone with open tasks due today hears about them once."""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.urls import reverse
from django.utils import timezone

from notifications.actions import notify
from notifications.models import Kind
from tasks.models import Task
from tasks.permissions import board_role


def send_due_today_reminders(today: datetime.date | None = None) -> int:
    """Notify each person of their open tasks due ``today`` (the assignee's, else the
    creator's), on the boards they can still see. At most one reminder per person per day,
    however often this runs; returns how many were sent."""
    today = today or timezone.localdate()
    due = (
        Task.objects.open()
        .filter(due_date=today)
        .select_related("board", "assignee", "created_by")
        .order_by("board__name", "title")
    )
    owed: dict[int, list[Task]] = defaultdict(list)
    for task in due:
        owner = task.assignee or task.created_by
        # nobody hears of a task on a board they can no longer see (or when deactivated)
        if owner is not None and board_role(owner, task.board) is not None:
            owed[owner.pk].append(task)
    sent = 0
    for user_id, tasks in owed.items():
        # stored as data and worded by the template, in each reader's language
        titles = ", ".join(f"‘{task.title}’" for task in tasks[:5]) + (" …" if len(tasks) > 5 else "")
        boards = {task.board for task in tasks}
        link = boards.pop().get_absolute_url() if len(boards) == 1 else reverse("home")
        sent += len(
            notify(
                recipients=[user_id],
                kind=Kind.DUE_TODAY,
                text=titles,
                count=len(tasks),
                link=link,
                dedupe_key=f"due-{today.isoformat()}",
            )
        )
    return sent
