"""Reads: a user's notifications, always their own."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, QuerySet

from live.cache import PreparedQuery
from notifications.models import Inbox, Notification

PANEL_SIZE = 20

_SEQ = PreparedQuery(lambda user: Inbox.objects.filter(user_id=user).values_list("seq"), -7001)
_UNREAD = PreparedQuery(
    lambda user: (
        Notification.objects.filter(recipient_id=user, read_at__isnull=True)
        .values("recipient_id")
        .annotate(unread=Count("pk"))
        .values_list("unread")
    ),
    -7001,
)


def inbox_seq(user_id: int) -> int:
    rows = _SEQ.rows(user_id)
    return rows[0][0] if rows else 0


def unread_count(user_id: int) -> int:
    rows = _UNREAD.rows(user_id)
    return rows[0][0] if rows else 0


def _newest(user_id: int) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient_id=user_id).select_related("actor", "board")


# The bell's reads, on every page's socket handshake: compiled once (live/cache.py).
_INBOX = PreparedQuery(lambda user: Inbox.objects.filter(user_id=user), -7001)
_PANEL = PreparedQuery(lambda user: _newest(user)[: PANEL_SIZE + 1], -7001)


def latest(user_id: int, *, before: int | None = None, limit: int = PANEL_SIZE) -> list[Notification]:
    """The user's newest notifications (older than id ``before``, for "load more"), one more
    than ``limit``: is there a next page?"""
    if before is None and limit == PANEL_SIZE:
        return _PANEL.objects(user_id)
    rows = _newest(user_id)
    if before is not None:
        rows = rows.filter(pk__lt=before)
    return list(rows[: limit + 1])


@dataclass(frozen=True, slots=True)
class InboxState:
    seq: int
    unread: int
    notifications: list[Notification]  # up to PANEL_SIZE + 1
    previous_visit_at: object


def inbox_state(user_id: int) -> InboxState:
    """What the bell and the panel show. The change number is read first: a change landing
    during the reads is re-rendered by its own event (the panel is always replaced whole)."""
    inbox = next(iter(_INBOX.objects(user_id)), None)
    return InboxState(
        seq=inbox.seq if inbox else 0,
        unread=unread_count(user_id),
        notifications=latest(user_id),
        previous_visit_at=inbox.previous_visit_at if inbox else None,
    )
