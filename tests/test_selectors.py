"""Reads: who sees which board, and a board state that knows which changes it holds."""

from __future__ import annotations

from typing import Any

import pytest
from django.http import Http404

from tasks import actions, selectors
from tasks.models import Board, Task

pytestmark = pytest.mark.django_db


def test_open_boards_are_everyones_restricted_ones_only_members(
    team: Board, private: Board, alice: Any, mallory: Any, admin_user: Any
) -> None:
    assert set(selectors.boards_visible_to(alice)) == {team, private}
    assert set(selectors.boards_visible_to(mallory)) == {team}
    assert set(selectors.boards_visible_to(admin_user)) == {team, private}
    mallory.is_active = False
    assert list(selectors.boards_visible_to(mallory)) == []


def test_hidden_and_missing_boards_and_tasks_look_the_same(private: Board, alice: Any, mallory: Any) -> None:
    task = actions.task_create(board=private, by=alice, title="Secret")
    for call in (
        lambda: selectors.board_get_for_user(mallory, slug=private.slug),
        lambda: selectors.board_get_for_user(mallory, slug="nope"),
        lambda: selectors.task_get_for_user(mallory, task.pk),
        lambda: selectors.task_get_for_user(mallory, 999999),
    ):
        with pytest.raises(Http404):
            call()
    assert selectors.task_get_for_user(alice, task.pk) == task


def test_board_state_lists_newest_change_first_and_knows_its_change_number(team: Board, alice: Any) -> None:
    first = actions.task_create(board=team, by=alice, title="first")
    second = actions.task_create(board=team, by=alice, title="second")
    actions.task_complete(task=first, by=alice)
    third = actions.task_create(board=team, by=alice, title="third")

    state = selectors.board_state(team.pk)

    assert [t.pk for t in state.open_tasks] == [third.pk, second.pk]
    assert [t.pk for t in state.done_tasks] == [first.pk]
    assert (state.open_count, state.done_count, state.seq) == (2, 1, 4)


def test_board_state_under_writes_that_keep_landing_holds_nothing_after_its_number(
    team: Board, alice: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write lands between the counters and the lists on every attempt: the state is the
    lists as they stood at the counters' number, less what changed since (whose events, with
    later numbers, will place it), so no card is in the state and in an event as well."""
    changed_later = actions.task_create(board=team, by=alice, title="completed after the counters")
    kept = actions.task_create(board=team, by=alice, title="unchanged")
    read_counts = selectors.board_counts
    landed: list[Task] = []

    def counts_then_a_write(board_id: int) -> dict[str, int]:
        counts = read_counts(board_id)
        landed.append(actions.task_create(board=team, by=alice, title=f"landed {len(landed)}"))
        if len(landed) == 4:  # the last read: a task it would hold changes right after it
            actions.task_complete(task=changed_later, by=alice)
        return counts

    monkeypatch.setattr(selectors, "board_counts", counts_then_a_write)
    state = selectors.board_state(team.pk)

    shown = state.open_tasks + state.done_tasks
    assert len(landed) == 4  # three attempts disagreed, then the fallback
    assert state.seq == landed[-1].version - 1
    assert all(task.version <= state.seq for task in shown)
    assert {task.pk for task in shown} == {kept.pk, *(task.pk for task in landed[:-1])}


def test_done_list_is_capped_but_the_counter_is_not(team: Board, alice: Any) -> None:
    Task.objects.bulk_create(
        Task(board=team, title=f"t{i}", completed=True, version=i + 1)
        for i in range(selectors.DONE_LIMIT + 5)
    )
    state = selectors.board_state(team.pk)
    assert len(state.done_tasks) == selectors.DONE_LIMIT and state.done_count == selectors.DONE_LIMIT + 5


def test_activity_up_to_a_change_number(team: Board, private: Board, alice: Any) -> None:
    actions.task_create(board=team, by=alice, title="a")
    actions.task_create(board=team, by=alice, title="b")
    actions.task_create(board=private, by=alice, title="c")

    assert [a.task_title for a in selectors.board_activity(team.pk, upto_seq=1)] == ["a"]
    upto = {team.pk: 2, private.pk: 0}
    assert [a.task_title for a in selectors.activity_for_user(alice, upto=upto)] == ["b", "a"]
