"""Every write path reaches open pages: plain ORM saves and deletes, bulk updates, moves
between boards and the admin, not only the actions."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from tasks import actions
from tasks.models import Activity, Board, Task

pytestmark = pytest.mark.django_db


def test_plain_orm_save_and_delete_publish(
    team: Board, alice: Any, published: list, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        task = Task.objects.create(board=team, title="From the shell")
        task.completed = True
        task.save()
        task.delete()

    assert [(e["kind"], e.get("verb")) for _, e in published] == [
        ("task.changed", "created"),
        ("task.changed", "completed"),
        ("task.deleted", None),
    ]
    assert list(Activity.objects.values_list("actor", flat=True)) == [None, None, None]  # "someone"


def test_queryset_delete_publishes_each_task(
    team: Board, alice: Any, published: list, django_capture_on_commit_callbacks: Any
) -> None:
    for title in ("a", "b"):
        actions.task_create(board=team, by=alice, title=title)
    with django_capture_on_commit_callbacks(execute=True):
        Task.objects.all().delete()

    assert sorted((topic, e["kind"]) for topic, e in published) == [
        (f"board.{team.pk}", "task.deleted"),
        (f"board.{team.pk}", "task.deleted"),
        (f"user.{alice.pk}", "inbox.changed"),  # "someone deleted your task", twice
        (f"user.{alice.pk}", "inbox.changed"),
    ]


def test_bulk_update_bumps_versions_and_resets_the_boards_pages(
    team: Board, alice: Any, published: list, django_capture_on_commit_callbacks: Any
) -> None:
    for title in ("a", "b"):
        actions.task_create(board=team, by=alice, title=title)
    with django_capture_on_commit_callbacks(execute=True):
        changed = Task.objects.filter(board=team).update(completed=True)

    assert changed == 2
    team.refresh_from_db()
    assert set(Task.objects.values_list("version", flat=True)) == {team.seq}
    assert published == [(f"board.{team.pk}", {"kind": "topic.reset", "board": team.pk, "seq": team.seq})]


def test_bulk_create_stamps_the_tasks_and_resets_the_boards_pages(
    team: Board, private: Board, alice: Any, published: list, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        Task.objects.bulk_create(
            [Task(board=team, title="a"), Task(board=team, title="b"), Task(board=private, title="c")]
        )

    team.refresh_from_db(), private.refresh_from_db()
    assert set(Task.objects.filter(board=team).values_list("version", flat=True)) == {team.seq}
    assert set(Task.objects.filter(board=private).values_list("version", flat=True)) == {private.seq}
    assert sorted(published, key=lambda p: p[0]) == sorted(
        [
            (f"board.{team.pk}", {"kind": "topic.reset", "board": team.pk, "seq": team.seq}),
            (f"board.{private.pk}", {"kind": "topic.reset", "board": private.pk, "seq": private.seq}),
        ],
        key=lambda p: p[0],
    )


def test_nothing_is_published_for_a_bulk_create_that_rolls_back(
    team: Board, published: list, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            Task.objects.bulk_create([Task(board=team, title="never")])
            raise RuntimeError("rolled back")
        Task.objects.bulk_create([Task(board=team, title="kept")])

    assert len(callbacks) == 1  # the kept one's only
    assert [e["kind"] for _, e in published] == ["topic.reset"]
    assert list(Task.objects.values_list("title", flat=True)) == ["kept"]


def test_moving_a_task_to_another_board_removes_it_from_the_old_one(
    team: Board, private: Board, alice: Any, published: list, django_capture_on_commit_callbacks: Any
) -> None:
    task = actions.task_create(board=team, by=alice, title="Moving")
    with django_capture_on_commit_callbacks(execute=True):
        task.board = private
        task.save()

    assert [(topic, e["kind"]) for topic, e in published] == [
        (f"board.{team.pk}", "task.deleted"),
        (f"board.{private.pk}", "task.changed"),
    ]


def test_admin_save_and_delete_publish_and_name_the_admin(
    team: Board, alice: Any, admin_user: Any, published: list, django_capture_on_commit_callbacks: Any
) -> None:
    client = Client()
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/tasks/task/add/",
            {"board": team.pk, "title": "From admin", "description": "", "completed": "on"},
        )
    assert response.status_code == 302, response.content.decode()[:500]
    task = Task.objects.get(title="From admin")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/tasks/task/{task.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302

    assert [e["kind"] for _, e in published] == ["task.changed", "task.deleted"]
    assert set(Activity.objects.values_list("actor", flat=True)) == {admin_user.pk}
