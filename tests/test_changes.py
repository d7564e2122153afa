"""The engine's one change-number service (live/changes.py), as every app uses it."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from chat.models import Room, room_numbers
from live import audit
from notifications.models import Inbox, inbox_numbers
from tasks.models import Board, board_numbers

pytestmark = pytest.mark.django_db


def test_next_takes_one_number_after_another_and_current_reads_them(team: Board) -> None:
    start = board_numbers.current([team.pk])[team.pk]
    with transaction.atomic():
        first = board_numbers.next(team.pk)
        second = Board.objects.next_seq(team.pk)  # the app's manager goes through the same counter
    assert (first, second) == (start + 1, start + 2)
    assert board_numbers.current([team.pk]) == {team.pk: start + 2}
    assert audit.current([f"board.{team.pk}"]) == {f"board.{team.pk}": start + 2}


def test_a_topic_without_its_row_raises_unless_the_counter_makes_it(alice: Any) -> None:
    with pytest.raises(Board.DoesNotExist):
        board_numbers.next(999_999)
    with pytest.raises(Room.DoesNotExist):
        room_numbers.next(999_999)
    Inbox.objects.filter(user=alice).delete()
    assert inbox_numbers.next(alice.pk) == 1  # a user's inbox is made on their first number
    assert inbox_numbers.current([alice.pk]) == {alice.pk: 1}


def test_every_apps_topics_are_audited() -> None:
    assert {audit.audited(t) for t in ("board.1", "room.1", "user.1")} == {True}
    assert not audit.audited("presence.1") and not audit.audited("board.x")
