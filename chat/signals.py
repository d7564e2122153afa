"""Every board has a chat room, made with the board; and who may read a room can change
while it is open (live/access.py): its open pages then authorize again."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from chat.actions import room_for_board, room_topic
from chat.models import Room, RoomMember
from live.access import access_changed
from live.sessions import user_topic
from tasks.models import Board


@receiver(post_save, sender=Board)
def board_room(sender: type[Board], instance: Board, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if raw:
        return
    if created:
        room_for_board(instance)
        return
    # The board's room is open to exactly who sees the board (made restricted, say).
    access_changed(
        *(room_topic(pk) for pk in Room.objects.filter(board=instance).values_list("pk", flat=True))
    )


@receiver(post_save, sender=Room)
def room_saved(sender: type[Room], instance: Room, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if not created and not raw:  # made private, say
        access_changed(room_topic(instance.pk))


@receiver(post_delete, sender=Room)
def room_deleted(sender: type[Room], instance: Room, **kwargs: Any) -> None:
    access_changed(room_topic(instance.pk))


@receiver(post_save, sender=RoomMember)
@receiver(post_delete, sender=RoomMember)
def room_member_changed(
    sender: type[RoomMember], instance: RoomMember, raw: bool = False, **kwargs: Any
) -> None:
    if not raw:
        access_changed(user_topic(instance.user_id))


@receiver(m2m_changed, sender=Room.members.through)
def room_members_changed(
    sender: Any, instance: Any, action: str, reverse: bool, pk_set: set[int] | None, **kwargs: Any
) -> None:
    """``room.members.add/remove/clear()`` (and ``user.rooms...``) send no save signals."""
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if reverse:  # user.rooms.add(...): one user
        access_changed(user_topic(instance.pk))
    elif pk_set:
        access_changed(*(user_topic(pk) for pk in pk_set))
    else:  # cleared: everyone in the room checks
        access_changed(room_topic(instance.pk))
