"""Write actions: the rows they leave and exactly what they publish, after commit only."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from tasks import actions
from tasks.models import Activity, Board, Task

pytestmark = pytest.mark.django_db


def kinds(published: list[tuple[str, dict[str, Any]]]) -> list[tuple[str, str, str | None]]:
    return [(topic, event["kind"], event.get("verb")) for topic, event in published]


def test_create_saves_the_task_records_activity_and_publishes_to_its_board(
    team: Board, alice: Any, bob: Any, published: list, django_capture_on_commit_callbacks: Any
) -> None:
    due = datetime.date(2026, 12, 1)

    with django_capture_on_commit_callbacks(execute=True):
        task = actions.task_create(board=team, by=alice, title="  Ship it  ", assignee=bob, due_date=due)

    task.refresh_from_db()
    assert (task.title, task.created_by, task.assignee, task.due_date, task.completed) == (
        "Ship it",
        alice,
        bob,
        due,
        False,
    )
    team.refresh_from_db()
    assert task.version == team.seq == 1
    activity = Activity.objects.get()
    assert (activity.actor, activity.verb, activity.task, activity.seq) == (alice, "created", task, 1)
    assert published == [
        (
            f"board.{team.pk}",
            {
                "kind": "task.changed",
                "board": team.pk,
                "task": task.pk,
                "seq": 1,
                "verb": "created",
                "activity": activity.pk,
                "was": None,  # on no page yet: its card is only inserted
            },
        ),
        (f"user.{bob.pk}", {"kind": "inbox.changed", "user": bob.pk, "seq": 1}),  # bob: "assigned you"
    ]


def test_complete_reopen_and_delete_publish_in_order_with_growing_versions(
    team: Board, alice: Any, published: list, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        task = actions.task_create(board=team, by=alice, title="T")
        actions.task_complete(task=task, by=alice)
        actions.task_complete(task=task, by=alice)  # already done: nothing happens
        actions.task_reopen(task=task, by=alice)
        actions.task_delete(task=Task.objects.get(pk=task.pk), by=alice)

    topic = f"board.{team.pk}"
    assert kinds(published) == [
        (topic, "task.changed", "created"),
        (topic, "task.changed", "completed"),
        (topic, "task.changed", "reopened"),
        (topic, "task.deleted", None),
    ]
    assert [event["seq"] for _, event in published] == [1, 2, 3, 4]
    assert [event["was"] for _, event in published] == [None, "open", "done", "open"]  # the list it left
    assert not Task.objects.exists()
    assert list(Activity.objects.order_by("id").values_list("verb", flat=True)) == [
        "created",
        "completed",
        "reopened",
        "deleted",
    ]


def test_completed_at_follows_completion(team: Board, alice: Any) -> None:
    task = actions.task_create(board=team, by=alice, title="T")
    done = actions.task_complete(task=task, by=alice)
    assert done.completed_at is not None
    assert actions.task_reopen(task=done, by=alice).completed_at is None


def test_nothing_is_published_for_a_rolled_back_transaction(
    team: Board, alice: Any, published: list, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        actions.task_create(board=team, by=alice, title="Never")
        raise RuntimeError("rolled back")

    assert published == []
    assert not Task.objects.exists()
    team.refresh_from_db()
    assert team.seq == 0


def test_events_are_not_sent_before_commit(
    team: Board, alice: Any, published: list, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        actions.task_create(board=team, by=alice, title="Later")

    assert published == []  # still waiting for the commit
    callbacks[0]()
    assert len(published) == 1


def test_restricted_board_events_go_only_to_that_boards_topic(
    team: Board, private: Board, alice: Any, published: list, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        actions.task_create(board=private, by=alice, title="Secret")

    assert [topic for topic, _ in published] == [f"board.{private.pk}"]


def test_outsiders_cannot_write_to_a_restricted_board(private: Board, mallory: Any, published: list) -> None:
    with pytest.raises(PermissionDenied):
        actions.task_create(board=private, by=mallory, title="Sneaky")
    assert not Task.objects.exists()


def test_assignee_must_see_the_board(private: Board, alice: Any, mallory: Any) -> None:
    with pytest.raises(ValidationError) as error:
        actions.task_create(board=private, by=alice, title="T", assignee=mallory)
    assert "assignee" in error.value.message_dict


def test_only_creator_or_manager_may_delete(team: Board, alice: Any, bob: Any, manager: Any) -> None:
    task = actions.task_create(board=team, by=alice, title="T")
    with pytest.raises(PermissionDenied):
        actions.task_delete(task=task, by=bob)
    actions.task_delete(task=task, by=manager)
    assert not Task.objects.exists()


def test_title_is_required_and_bounded(team: Board, alice: Any) -> None:
    with pytest.raises(ValidationError):
        actions.task_create(board=team, by=alice, title="   ")
    with pytest.raises(ValidationError):
        actions.task_create(board=team, by=alice, title="x" * 201)
    assert not Task.objects.exists()


def test_update_changes_fields_and_publishes(
    team: Board, alice: Any, bob: Any, published: list, django_capture_on_commit_callbacks: Any
) -> None:
    task = actions.task_create(board=team, by=alice, title="Old")
    with django_capture_on_commit_callbacks(execute=True):
        actions.task_update(task=task, by=bob, title="New", assignee=bob)

    task.refresh_from_db()
    assert (task.title, task.assignee) == ("New", bob)
    assert kinds(published) == [(f"board.{team.pk}", "task.changed", "updated")]  # bob assigned himself
    with pytest.raises(ValidationError):
        actions.task_update(task=task, by=bob, completed=True)
