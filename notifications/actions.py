"""Writes. Creating notifications and marking them read; every page, the socket actions, the
REST API and the reminder job call these.

Each change takes the next number of the recipient's inbox in the same transaction and,
after commit, tells every open page of that user (``user.<id>``): their badge and panel are
re-rendered once per user and pushed to all their tabs, nobody else's.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from live.publish import publish
from live.sessions import user_topic
from notifications.models import Inbox, Notification


def _announce(user_id: int, seq: int) -> None:
    publish(user_topic(user_id), {"kind": "inbox.changed", "user": user_id, "seq": seq})


def notify(
    *,
    recipients: Iterable[int],
    kind: str,
    text: str,
    verb: str = "",
    count: int = 0,
    actor_id: int | None = None,
    task_id: int | None = None,
    board_id: int | None = None,
    link: str = "",
    dedupe_key: str = "",
) -> list[Notification]:
    """Store one notification per recipient (never one for the actor) and tell their pages.
    With ``dedupe_key``, a recipient who already has a notification with that key gets none:
    running a job twice notifies once."""
    created = []
    for user_id in dict.fromkeys(recipients):
        if user_id is None or user_id == actor_id:
            continue
        row = {
            "recipient_id": user_id,
            "actor_id": actor_id,
            "kind": kind,
            "verb": verb,
            "count": count,
            "text": text[:300],
            "task_id": task_id,
            "board_id": board_id,
            "link": link,
            "dedupe_key": dedupe_key,
        }
        for attempt in range(2):
            try:
                with transaction.atomic():
                    seq = Inbox.objects.next_seq(user_id)
                    created.append(Notification.objects.create(**row))
                    _announce(user_id, seq)
                break
            except IntegrityError:
                if (
                    dedupe_key
                    and Notification.objects.filter(recipient_id=user_id, dedupe_key=dedupe_key).exists()
                ):
                    break  # already sent: the job ran twice
                if attempt or task_id is None:
                    raise
                row["task_id"] = (
                    None  # the task was deleted meanwhile: keep the notification, drop the link to it
                )
    return created


def mark_read(*, user: Any, notification_id: int) -> Notification:
    """Mark one of ``user``'s notifications read (once: a read time never changes). Another
    user's id raises Notification.DoesNotExist, exactly like an id that does not exist."""
    with transaction.atomic():
        notification = Notification.objects.select_for_update().get(pk=notification_id, recipient=user)
        if notification.read_at is None:
            notification.read_at = timezone.now()
            notification.save(update_fields=["read_at"])
            _announce(user.pk, Inbox.objects.next_seq(user.pk))
    return notification


def mark_all_read(*, user: Any) -> int:
    """Mark every unread notification of ``user`` read; returns how many."""
    with transaction.atomic():
        count = Notification.objects.filter(recipient=user, read_at__isnull=True).update(
            read_at=timezone.now()
        )
        if count:
            _announce(user.pk, Inbox.objects.next_seq(user.pk))
    return count


VISIT_GAP = 30 * 60  # seconds without a page view that end a visit


def note_visit(*, user_id: int) -> None:
    """Record a page view: after a 30-minute gap a new visit starts, and what arrived since the
    last one is "new since your last visit". A new visit moves that divider, so it takes the
    inbox's next change number and the user's open pages re-render their panel."""
    now = timezone.now()
    with transaction.atomic():
        inbox, _ = Inbox.objects.select_for_update().get_or_create(user_id=user_id)
        new_visit = inbox.last_seen_at is not None and (now - inbox.last_seen_at).total_seconds() > VISIT_GAP
        if new_visit:
            inbox.previous_visit_at = inbox.last_seen_at
        inbox.last_seen_at = now
        inbox.save(update_fields=["last_seen_at", "previous_visit_at"])
        if new_visit:
            _announce(user_id, Inbox.objects.next_seq(user_id))
