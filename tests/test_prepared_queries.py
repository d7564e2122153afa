"""The hot paths' queries compiled once (live.cache.PreparedQuery) give exactly what the ORM
gives: the same rows, the same model instances with the same field values and types (dates,
aware datetimes, booleans, nulls) and their select_related objects already loaded. Runs on
SQLite (which takes dates as text) and on PostgreSQL in CI. Every test runs on both paths:
compiled once (LIVE_FAST_ORM on, live/fast/django_orm.py) and through the ORM on each call."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db.models import Model
from django.utils import timezone

from chat import actions as chat_actions
from chat.models import Attachment, Message, Room
from chat.selectors import message_by_pk
from live.cache import PreparedQuery
from notifications.models import Inbox
from tasks import actions
from tasks.models import Activity, Board, Task
from tasks.selectors import activity_by_pk, due_soon, task_on_board

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True, params=["compiled", "orm"])
def path(request: Any, settings: Any) -> str:
    """The fast path (compiled once) or the plain one (the ORM on every call)."""
    settings.LIVE = {**settings.LIVE, "FAST_ORM": request.param == "compiled"}
    return str(request.param)


def fields(obj: Model | None) -> dict[str, Any] | None:
    """Every concrete field's value, and its type (a date must stay a date)."""
    if obj is None:
        return None
    return {
        f.attname: (getattr(obj, f.attname), type(getattr(obj, f.attname))) for f in obj._meta.concrete_fields
    }


def loaded(obj: Model, *relations: str) -> dict[str, Any]:
    """The select_related objects, read from the instance's cache (no query)."""
    return {name: fields(obj._state.fields_cache[name]) for name in relations}


def same(prepared: Model | None, orm: Model | None, *relations: str) -> None:
    assert fields(prepared) == fields(orm)
    if prepared is not None and orm is not None:
        assert loaded(prepared, *relations) == loaded(orm, *relations)


def test_a_task_and_its_people_as_the_orm_reads_them(team: Board, alice: Any, bob: Any) -> None:
    due = timezone.localdate() + datetime.timedelta(days=2)
    assigned = actions.task_create(board=team, by=alice, title="Assigned", assignee=bob, due_date=due)
    actions.task_complete(task=assigned, by=bob)
    nobody = actions.task_create(board=team, by=alice, title="Nobody's")
    orm = Task.objects.select_related("assignee", "created_by")

    for task in (assigned, nobody):
        same(task_on_board(task.pk, team.pk), orm.get(pk=task.pk), "assignee", "created_by")
    done = task_on_board(assigned.pk, team.pk)
    assert done is not None and done.completed is True and isinstance(done.completed_at, datetime.datetime)
    assert done.completed_at.tzinfo is not None and done.due_date == due
    assert task_on_board(assigned.pk, team.pk + 1000) is None  # on another board: not this one's


def test_an_activity_line_with_its_actor_and_board(team: Board, alice: Any) -> None:
    actions.task_create(board=team, by=alice, title="Logged")
    line = Activity.objects.latest("pk")
    same(
        activity_by_pk(line.pk),
        Activity.objects.select_related("actor", "board").get(pk=line.pk),
        "actor",
        "board",
    )
    assert activity_by_pk(line.pk + 1000) is None


def test_due_soon_takes_todays_dates_as_parameters(team: Board, alice: Any, bob: Any) -> None:
    today = timezone.localdate()
    for days, title in [(-1, "Overdue"), (0, "Today"), (3, "Soon"), (7, "Last day"), (8, "Later")]:
        actions.task_create(
            board=team, by=alice, title=title, due_date=today + datetime.timedelta(days=days), assignee=bob
        )
    orm = (
        Task.objects.filter(
            board=team, completed=False, due_date__range=(today, today + datetime.timedelta(days=7))
        )
        .select_related("assignee")
        .order_by("due_date", "title")
    )
    prepared = due_soon(team.pk)
    assert [t.title for t in prepared] == ["Today", "Soon", "Last day"]
    for mine, theirs in zip(prepared, orm, strict=True):
        same(mine, theirs, "assignee")
    assert [t.title for t in due_soon(team.pk, days=0)] == ["Today"]  # other dates, same statement


def test_messages_with_their_author_and_attachment_or_none(team: Board, alice: Any) -> None:
    room = Room.objects.get(board=team)
    shared = Attachment.objects.create(
        room=room, uploaded_by=alice, file="chat/x.png", name="x.png", size=3, content_type="image/png"
    )
    plain = chat_actions.message_send(room=room, by=alice, body="Hello @bob", client_id="c1")
    with_file = chat_actions.message_send(room=room, by=alice, body="", client_id="c2", attachment=shared)
    orm = Message.objects.select_related("author", "attachment")

    for message in (plain, with_file):
        same(message_by_pk(message.pk), orm.get(pk=message.pk), "author", "attachment")
    assert message_by_pk(with_file.pk).attachment.name == "x.png"  # type: ignore[union-attr]
    assert message_by_pk(with_file.pk + 1000) is None


def test_the_bells_reads_on_every_handshake(team: Board, alice: Any, bob: Any) -> None:
    """The panel's newest notifications and the inbox row (its visit times are datetimes)."""
    from notifications import actions as notes
    from notifications.models import Kind, Notification
    from notifications.selectors import PANEL_SIZE, inbox_state

    assert inbox_state(alice.pk).seq == 0 and inbox_state(alice.pk).previous_visit_at is None  # no row
    for n in range(PANEL_SIZE + 3):
        notes.notify(
            recipients=[alice.pk], kind=Kind.ASSIGNED, text=f"n{n}", actor_id=bob.pk, board_id=team.pk
        )
    notes.notify(recipients=[alice.pk], kind=Kind.ASSIGNED, text="from nobody")
    Inbox.objects.filter(user_id=alice.pk).update(
        previous_visit_at=timezone.now() - datetime.timedelta(hours=2)
    )

    state = inbox_state(alice.pk)
    orm = list(
        Notification.objects.filter(recipient_id=alice.pk).select_related("actor", "board")[: PANEL_SIZE + 1]
    )
    assert len(state.notifications) == PANEL_SIZE + 1
    for mine, theirs in zip(state.notifications, orm, strict=True):
        same(mine, theirs, "actor", "board")
    row = Inbox.objects.get(user_id=alice.pk)
    assert (state.seq, state.previous_visit_at) == (row.seq, row.previous_visit_at)
    assert isinstance(state.previous_visit_at, datetime.datetime) and state.previous_visit_at.tzinfo


def test_a_placeholder_the_query_does_not_use_is_refused(team: Board, path: str) -> None:
    """Compiled, a parameter the statement would silently ignore is an error; through the ORM
    every call builds its own query, and the answer is the ORM's."""
    query = PreparedQuery(lambda pk, unused: Board.objects.filter(pk=pk), -7001, -7002)
    if path == "compiled":
        with pytest.raises(ValueError, match="not all found"):
            query.objects(team.pk, 1)
    else:
        assert query.objects(team.pk, 1) == [team]
