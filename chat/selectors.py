"""Reads. Rooms a user can see, a room's recent history and who has read how far."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from chat.models import Message, ReadPosition, Room
from chat.permissions import can_read
from live.cache import PreparedQuery
from tasks.selectors import boards_visible_to

HISTORY = 50  # messages a room shows at first; older ones load on demand


def rooms_visible_to(user: Any) -> QuerySet[Room]:
    if not user.is_authenticated or not user.is_active:
        return Room.objects.none()
    return (
        Room.objects.filter(
            Q(board__in=boards_visible_to(user))
            | Q(board__isnull=True, is_private=False)
            | Q(board__isnull=True, is_private=True, memberships__user=user)
        )
        .select_related("board")
        .distinct()
    )


def room_get_for_user(user: Any, **lookup: Any) -> Room:
    """The room, or 404 (also when it exists but ``user`` may not read it)."""
    room = Room.objects.filter(**lookup).select_related("board").first()
    if room is None or not can_read(user, room):
        raise Http404(_("No such room."))
    return room


def _messages(room_id: int) -> QuerySet[Message]:
    return Message.objects.filter(room_id=room_id).select_related("author", "attachment").order_by("-seq")


def latest_messages(room_id: int, *, upto: int | None = None) -> tuple[list[Message], bool]:
    """The latest messages up to change number ``upto`` (None: all), oldest first, and
    whether there are older ones."""
    rows = _messages(room_id)
    if upto is not None:
        rows = rows.filter(seq__lte=upto)
    found = list(rows[: HISTORY + 1])
    return found[:HISTORY][::-1], len(found) > HISTORY


_MESSAGE = PreparedQuery(  # on every message's live event: compiled once (live/cache.py)
    lambda pk: Message.objects.filter(pk=pk).select_related("author", "attachment"), -7001
)


def message_by_pk(pk: int) -> Message | None:
    found = _MESSAGE.objects(pk)
    return found[0] if found else None


_SEQ = PreparedQuery(lambda pk: Room.objects.filter(pk=pk).values_list("seq"), -7001)


def room_seq(room_id: int) -> int:
    """The room's change number: the newest message's (raises Room.DoesNotExist)."""
    rows = _SEQ.rows(room_id)
    if not rows:
        raise Room.DoesNotExist(room_id)
    return rows[0][0]  # type: ignore[return-value]


def older(room_id: int, before_seq: int) -> tuple[list[Message], bool]:
    """The page of messages before change number ``before_seq`` (oldest first), and whether
    there are more."""
    rows = list(_messages(room_id).filter(seq__lt=before_seq)[: HISTORY + 1])
    return rows[:HISTORY][::-1], len(rows) > HISTORY


def seen_by(room_id: int) -> tuple[Message | None, list[Any]]:
    """The newest message and who (its author aside) has read up to it."""
    latest = Message.objects.filter(room_id=room_id).select_related("author").order_by("-seq").first()
    if latest is None:
        return None, []
    readers = (
        ReadPosition.objects.filter(room_id=room_id, seq__gte=latest.seq)
        .exclude(user_id=latest.author_id)
        .select_related("user")
        .order_by("user__first_name", "user__username")
    )
    return latest, [position.user for position in readers]


def read_position(room_id: int, user_id: int) -> int:
    return (
        ReadPosition.objects.filter(room_id=room_id, user_id=user_id).values_list("seq", flat=True).first()
        or 0
    )
