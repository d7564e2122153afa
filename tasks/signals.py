"""Every write to a task, whatever its path (actions, admin, API, ``manage.py shell``),
records an activity line and publishes a live event after commit.

These handlers are the one place that happens, on purpose: model signals are the only hook
that every path goes through. Bulk ``QuerySet.update`` sends no signals; TaskQuerySet.update
publishes for itself.

Once the change has committed, ``task_change_committed`` tells other apps what happened
(the notifications app listens) without the tasks app knowing about them.

Changes to who may see a board (a membership or role, the board made restricted, the board
deleted) make the affected open pages authorize again (live/access.py).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import Signal, receiver

from tasks import broadcasts, dom
from tasks.actor import current_actor
from tasks.models import Activity, Board, Membership, Task, Verb

# Sent after the commit of a task change: task_id, board_id, verb, title, actor_id (None for
# writes outside any action), created_by_id, assignee_id, previous_assignee_id.
task_change_committed = Signal()


def _announce(**change: Any) -> None:
    transaction.on_commit(lambda: task_change_committed.send(sender=Task, **change), robust=True)


def _record(board_id: int, verb: str, task: Task | None, title: str, seq: int) -> Activity:
    actor = current_actor()
    return Activity.objects.create(
        board_id=board_id,
        actor=actor if actor is not None and actor.is_authenticated else None,
        verb=verb,
        task=task,
        task_title=title,
        seq=seq,
    )


def _verb(task: Task, created: bool, loaded: dict[str, Any] | None) -> str:
    if created:
        return Verb.CREATED
    if loaded is not None and loaded["completed"] != task.completed:
        return Verb.COMPLETED if task.completed else Verb.REOPENED
    return Verb.UPDATED


@receiver(post_save, sender=Task)
def task_saved(sender: type[Task], instance: Task, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if raw:  # loaddata
        return
    loaded = getattr(instance, "_loaded", None)
    old_board_id = loaded["board_id"] if loaded else instance.board_id
    was = dom.column(loaded["completed"] if loaded else instance.completed)
    if old_board_id != instance.board_id:
        # Moved to another board: it leaves the old board's pages.
        seq = Board.objects.next_seq(old_board_id)
        gone = _record(old_board_id, Verb.MOVED, None, instance.title, seq)
        broadcasts.task_deleted(
            board_id=old_board_id, task_id=instance.pk, seq=seq, activity_id=gone.pk, was=was
        )
    verb = _verb(instance, created, loaded)
    activity = _record(instance.board_id, verb, instance, instance.title, instance.version)
    broadcasts.task_changed(
        board_id=instance.board_id,
        task_id=instance.pk,
        seq=instance.version,
        verb=verb,
        activity_id=activity.pk,
        was=None if created or old_board_id != instance.board_id else was,
    )
    _announce(
        task_id=instance.pk,
        board_id=instance.board_id,
        verb=verb,
        title=instance.title,
        actor_id=activity.actor_id,
        created_by_id=instance.created_by_id,
        assignee_id=instance.assignee_id,
        previous_assignee_id=loaded["assignee_id"] if loaded else None,
    )
    instance._loaded = {
        "completed": instance.completed,
        "board_id": instance.board_id,
        "assignee_id": instance.assignee_id,
    }


@receiver(post_delete, sender=Task)
def task_deleted(sender: type[Task], instance: Task, origin: Any = None, **kwargs: Any) -> None:
    if isinstance(origin, Board) or getattr(origin, "model", None) is Board:
        return  # the whole board is going; its pages have nothing left to show
    seq = Board.objects.next_seq(instance.board_id)
    activity = _record(instance.board_id, Verb.DELETED, None, instance.title, seq)
    broadcasts.task_deleted(
        board_id=instance.board_id,
        task_id=instance.pk,
        seq=seq,
        activity_id=activity.pk,
        was=dom.column(instance.completed),
    )
    _announce(
        task_id=instance.pk,
        board_id=instance.board_id,
        verb=Verb.DELETED,
        title=instance.title,
        actor_id=activity.actor_id,
        created_by_id=instance.created_by_id,
        assignee_id=instance.assignee_id,
        previous_assignee_id=instance.assignee_id,
    )


@receiver(post_save, sender=Membership)
def membership_saved(
    sender: type[Membership], instance: Membership, raw: bool = False, **kwargs: Any
) -> None:
    if raw or kwargs.get("update_fields") == frozenset({"follows_events"}):
        return  # following a board's events changes nobody's access
    broadcasts.member_access_changed(instance.user_id)


@receiver(post_delete, sender=Membership)
def membership_deleted(sender: type[Membership], instance: Membership, **kwargs: Any) -> None:
    broadcasts.member_access_changed(instance.user_id)


@receiver(post_save, sender=Board)
def board_saved(
    sender: type[Board], instance: Board, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    if not created and not raw:  # made restricted or open, renamed: its watchers check again
        broadcasts.board_access_changed(instance.pk)


@receiver(post_delete, sender=Board)
def board_deleted(sender: type[Board], instance: Board, **kwargs: Any) -> None:
    broadcasts.board_access_changed(instance.pk)


@receiver(m2m_changed, sender=Board.members.through)
def board_members_changed(
    sender: Any, instance: Any, action: str, reverse: bool, pk_set: set[int] | None, **kwargs: Any
) -> None:
    """``board.members.add/remove/clear()`` (and ``user.boards...``) send no save signals."""
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if reverse:  # user.boards.add(...): one user
        broadcasts.member_access_changed(instance.pk)
    elif pk_set:
        for user_id in pk_set:
            broadcasts.member_access_changed(user_id)
    else:  # cleared: everyone watching the board checks
        broadcasts.board_access_changed(instance.pk)
