"""Who may read (and so write in) a room. One function, used by pages, sockets, files and the API."""

from __future__ import annotations

from typing import Any

from chat.models import Room, RoomMember
from tasks.permissions import board_role


def can_read(user: Any, room: Room) -> bool:
    """A board's room: whoever sees the board. A private room: its members. Otherwise: everyone."""
    if not user.is_authenticated or not user.is_active:
        return False
    if room.board_id is not None:
        return board_role(user, room.board) is not None
    if room.is_private:
        return RoomMember.objects.filter(room=room, user=user).exists()
    return True
