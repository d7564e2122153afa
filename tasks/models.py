"""Boards, their members, tasks and the activity feed.

Every change to a board's tasks takes the next number of the board's change counter
(``Board.seq``) inside the writing transaction. The number becomes the task's ``version``
and is carried by the live event, so:
- a task's version grows on every change, and versions order changes across the board;
- a page's snapshot knows exactly which changes it already shows (live/hub.py skips them);
- the lists are ordered by version, newest change first, so a live "move to the top" and a
  fresh page render agree.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from live.changes import ChangeNumbers


class Role(models.TextChoices):
    MEMBER = "member", "Member"
    MANAGER = "manager", "Manager"


class BoardQuerySet(models.QuerySet["Board"]):
    def visible_to(self, user: Any) -> BoardQuerySet:
        """Boards ``user`` may open: open boards for every active user, restricted ones for members."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self.all()
        return self.filter(Q(is_restricted=False) | Q(memberships__user=user)).distinct()

    def next_seq(self, board_id: int) -> int:
        """Take the board's next change number (live/changes.py: the row is locked until the
        transaction ends, so numbers are handed out in commit order)."""
        return board_numbers.next(board_id, using=self.db)


# Each board's change number, in Board.seq: the topics board.<id> (and the hubs' audit).
board_numbers = ChangeNumbers("board", "tasks.Board")


class Board(models.Model):
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100, unique=True)
    is_restricted = models.BooleanField(
        default=False, help_text="Only members see a restricted board; an open board is everyone's."
    )
    is_default = models.BooleanField(default=False, help_text="The team board every user lands on.")
    seq = models.PositiveBigIntegerField(default=0, editable=False, help_text="Change counter.")
    created_at = models.DateTimeField(auto_now_add=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="boards", blank=True
    )

    objects = BoardQuerySet.as_manager()

    class Meta:
        ordering = ["-is_default", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_board"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("board", kwargs={"slug": self.slug})


class Membership(models.Model):
    """A user's role on a board. On an open board, users without a row are plain members."""

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    follows_events = models.BooleanField(
        default=True,
        help_text="Managers: be notified of every task created, completed, reopened or deleted here.",
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["board", "user"], name="one_membership")]

    def __str__(self) -> str:
        return f"{self.user} on {self.board} ({self.role})"


class TaskQuerySet(models.QuerySet["Task"]):
    def open(self) -> TaskQuerySet:
        return self.filter(completed=False)

    def done(self) -> TaskQuerySet:
        return self.filter(completed=True)

    def update(self, **kwargs: Any) -> int:
        """Bulk update that still reaches open pages.

        ``QuerySet.update`` sends no model signals, so this bumps each affected board's change
        counter, stamps the rows with it and asks every open page of those boards to reload its
        lists (one ``board.reset`` event per board, after commit).
        """
        from tasks import broadcasts

        if "version" in kwargs:
            return super().update(**kwargs)
        target = kwargs.get("board", kwargs.get("board_id"))
        with transaction.atomic(using=self.db):
            board_ids = set(self.values_list("board_id", flat=True).distinct())
            if target is not None:  # moving tasks: stamp them with the new board's number
                target_id = getattr(target, "pk", target)
                seq = Board.objects.next_seq(target_id)
                count = super().update(**kwargs, version=seq)
                broadcasts.board_reset(board_id=target_id, seq=seq)
                for board_id in board_ids - {target_id}:
                    broadcasts.board_reset(board_id=board_id, seq=Board.objects.next_seq(board_id))
                return count
            pks = list(self.values_list("pk", flat=True))
            count = 0
            for board_id in board_ids:
                seq = Board.objects.next_seq(board_id)
                rows = Task.objects.filter(pk__in=pks, board_id=board_id)
                count += super(TaskQuerySet, rows).update(**kwargs, version=seq)
                broadcasts.board_reset(board_id=board_id, seq=seq)
        return count

    def bulk_create(self, objs: Iterable[Task], *args: Any, **kwargs: Any) -> list[Task]:
        """Bulk insert that still reaches open pages: ``bulk_create`` sends no model signals,
        so each board's new tasks are stamped with its next change number and its open pages
        reload their lists (one ``board.reset`` per board, after commit)."""
        from tasks import broadcasts

        objs = list(objs)
        with transaction.atomic(using=self.db):
            seqs = {board_id: Board.objects.next_seq(board_id) for board_id in {t.board_id for t in objs}}
            for task in objs:
                task.version = seqs[task.board_id]
            created = super().bulk_create(objs, *args, **kwargs)
            for board_id, seq in seqs.items():
                broadcasts.board_reset(board_id=board_id, seq=seq)
        return created


class Task(models.Model):
    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=5000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="created_tasks",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_tasks",
    )
    due_date = models.DateField(null=True, blank=True)
    completed = models.BooleanField(default=False)
    completed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveBigIntegerField(
        default=0, editable=False, help_text="The board's change number at this task's last change."
    )

    objects = TaskQuerySet.as_manager()

    class Meta:
        ordering = ["-version"]
        indexes = [models.Index(fields=["board", "completed", "-version"])]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Stamp the task with the board's next change number, in the same transaction."""
        if self.completed and self.completed_at is None:
            self.completed_at = timezone.now()
        elif not self.completed:
            self.completed_at = None
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "version", "updated_at", "completed_at"}
        using = kwargs.get("using") or self._state.db or "default"
        with transaction.atomic(using=using, savepoint=False):
            self.version = Board.objects.db_manager(using).next_seq(self.board_id)
            super().save(*args, **kwargs)

    @classmethod
    def from_db(cls, db: str | None, field_names: Any, values: Any) -> Task:
        instance = super().from_db(db, field_names, values)
        # What the row looked like when loaded: tells the signal handlers what changed.
        instance._loaded = {
            "completed": instance.completed,
            "board_id": instance.board_id,
            "assignee_id": instance.assignee_id,
        }
        return instance

    @property
    def is_overdue(self) -> bool:
        return bool(self.due_date and not self.completed and self.due_date < timezone.localdate())

    @property
    def is_due_today(self) -> bool:
        return bool(self.due_date and not self.completed and self.due_date == timezone.localdate())


class Verb(models.TextChoices):
    CREATED = "created", "created"
    UPDATED = "updated", "updated"
    COMPLETED = "completed", "completed"
    REOPENED = "reopened", "reopened"
    DELETED = "deleted", "deleted"
    MOVED = "moved", "moved away"


class Activity(models.Model):
    """One line of a board's activity feed: who did what to which task."""

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="activities")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    verb = models.CharField(max_length=10, choices=Verb.choices)
    task = models.ForeignKey(Task, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    task_title = models.CharField(max_length=200, help_text="The title when it happened.")
    seq = models.PositiveBigIntegerField(help_text="The board's change number of this change.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "activities"
        indexes = [models.Index(fields=["board", "-id"])]

    def __str__(self) -> str:
        who = self.actor.get_username() if self.actor else "someone"
        return f"{who} {self.get_verb_display()} {self.task_title!r}"
