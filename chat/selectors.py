"""Reads. Rooms a user can see, a room's recent history and who has read how far."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import F, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from chat.models import Message, ReadPosition, Room
from chat.permissions import can_read
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
    return (
        Message.objects.filter(room_id=room_id)
        .select_related("author", "attachment")
        .annotate(room_seq=F("room__seq"))
        .order_by("-seq")
    )


@dataclass(frozen=True, slots=True)
class RoomState:
    seq: int
    messages: list[Message]  # oldest first
    more: bool  # older messages exist


def room_state(room_id: int) -> RoomState:
    """The latest messages as of one change number (one statement, stamped with it)."""
    rows = list(_messages(room_id)[: HISTORY + 1])
    # The messages carry the room's number as of the same statement; an empty room, its own.
    seq = rows[0].room_seq if rows else Room.objects.filter(pk=room_id).values_list("seq", flat=True).get()
    return RoomState(seq=seq, messages=rows[:HISTORY][::-1], more=len(rows) > HISTORY)


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
