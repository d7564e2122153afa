"""Notifications: what concerns one person, kept until they read it (the offline queue).

Each user's notifications have a change counter (``Inbox.seq``), like a board's: every new
notification and every mark-read takes the next number in the same transaction and the live
event carries it, so a page's snapshot knows which changes it already shows.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from live.changes import ChangeNumbers


class Kind(models.TextChoices):
    ASSIGNED = "assigned", "assigned you"
    COMPLETED = "completed", "completed your task"
    REOPENED = "reopened", "reopened your task"
    DELETED = "deleted", "deleted your task"
    BOARD_EVENT = "board", "board event"
    DUE_TODAY = "due_today", "due today"
    MENTION = "mention", "mentioned you"


class InboxQuerySet(models.QuerySet["Inbox"]):
    def next_seq(self, user_id: int) -> int:
        """Take the user's next change number (the row, made if missing, locks until commit:
        live/changes.py)."""
        return inbox_numbers.next(user_id, using=self.db)


# Each user's notification change number, in Inbox.seq: the topics user.<id> (and the audit).
inbox_numbers = ChangeNumbers("user", "notifications.Inbox", key="user_id", create=True)


class Inbox(models.Model):
    """Per user: the change counter, and when they were last here (for "new since your last
    visit")."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="inbox")
    seq = models.PositiveBigIntegerField(default=0)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    previous_visit_at = models.DateTimeField(
        null=True, blank=True, help_text="When the visit before this one ended."
    )

    objects = InboxQuerySet.as_manager()

    def __str__(self) -> str:
        return f"inbox of {self.user}"


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    verb = models.CharField(
        max_length=10, blank=True, help_text="For board events: what happened to the task."
    )
    count = models.PositiveIntegerField(
        default=0, help_text="How many things it is about (a reminder's tasks)."
    )
    text = models.CharField(
        max_length=300, help_text="What it is about: a task's title, a message's first words."
    )
    task = models.ForeignKey("tasks.Task", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    board = models.ForeignKey(
        "tasks.Board", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    link = models.CharField(max_length=300, blank=True, help_text="Where the notification leads.")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    dedupe_key = models.CharField(
        max_length=100,
        blank=True,
        help_text="Non-empty: at most one notification per recipient with this key.",
    )

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["recipient", "-id"]), models.Index(fields=["recipient", "read_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"], condition=~Q(dedupe_key=""), name="one_per_dedupe_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.recipient}: {self.text}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    @property
    def target(self) -> str:
        """Where opening it leads: its link when that is a path on this site, else the
        notifications page (a link to another site is never followed)."""
        from django.urls import reverse
        from django.utils.http import url_has_allowed_host_and_scheme

        if self.link and url_has_allowed_host_and_scheme(self.link, allowed_hosts=set()):
            return self.link
        return reverse("notifications")
