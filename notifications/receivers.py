"""Task changes become notifications, once the change has committed."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.dispatch import receiver
from django.urls import reverse

from notifications import rules
from notifications.actions import notify
from tasks.models import Board
from tasks.signals import task_change_committed


@receiver(task_change_committed)
def notify_about_task_change(sender: Any, **change: Any) -> None:
    chosen = rules.recipients(**change)
    if not chosen:
        return
    board = Board.objects.filter(pk=change["board_id"]).values_list("slug", flat=True).first()
    link = reverse("board", kwargs={"slug": board}) if board else ""
    if link and change["verb"] != "deleted":
        link += f"?task={change['task_id']}#task-{change['task_id']}"  # shown which (tasks.views)
    by_kind: dict[str, list[int]] = defaultdict(list)
    for user_id, kind in chosen.items():
        by_kind[kind].append(user_id)
    for kind, users in by_kind.items():
        notify(
            recipients=users,
            kind=kind,
            verb=change["verb"],
            text=change["title"],
            actor_id=change["actor_id"],
            task_id=change["task_id"] if change["verb"] != "deleted" else None,
            board_id=change["board_id"],
            link=link,
        )
