"""Every board has a chat room, made with the board."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from chat.actions import room_for_board
from tasks.models import Board


@receiver(post_save, sender=Board)
def board_room(sender: type[Board], instance: Board, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if created and not raw:
        room_for_board(instance)
