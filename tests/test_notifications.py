"""Notifications: who is told, marking read, the daily reminder, and the REST API."""

from __future__ import annotations

import datetime
import html
import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from notifications import actions as notes
from notifications.live import item
from notifications.models import Inbox, Kind, Notification
from notifications.reminders import send_due_today_reminders
from tasks import actions
from tasks.models import Board, Membership, Role, Task
from tests.frames import by_id

pytestmark = pytest.mark.django_db


def received(user: Any) -> list[tuple[str, str, str]]:
    return [(n.kind, n.verb, n.text) for n in Notification.objects.filter(recipient=user).order_by("id")]


@pytest.fixture
def commit(django_capture_on_commit_callbacks: Any) -> Any:
    """Run on-commit work (the notifications are created after the task change commits)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


# --- who is told -------------------------------------------------------------------------


def test_assigning_notifies_the_assignee_and_following_managers_not_the_actor(
    team: Board, alice: Any, bob: Any, manager: Any, commit: Any
) -> None:
    with commit():
        actions.task_create(board=team, by=alice, title="Ship", assignee=bob)

    assert received(bob) == [(Kind.ASSIGNED, "created", "Ship")]
    assert received(manager) == [(Kind.BOARD_EVENT, "created", "Ship")]
    assert received(alice) == []


def test_reassigning_notifies_the_new_assignee_only(
    team: Board, alice: Any, bob: Any, mallory: Any, commit: Any
) -> None:
    task = actions.task_create(board=team, by=alice, title="Ship", assignee=bob)
    with commit():
        actions.task_update(task=task, by=alice, assignee=mallory)
        actions.task_update(task=task, by=alice, title="Ship it")  # no new assignee: nobody

    assert received(mallory) == [(Kind.ASSIGNED, "updated", "Ship")]
    assert received(bob) == []


def test_your_task_completed_reopened_deleted_by_someone_else(
    team: Board, alice: Any, bob: Any, manager: Any, commit: Any
) -> None:
    task = actions.task_create(board=team, by=alice, title="Mine", assignee=bob)
    Notification.objects.all().delete()
    for act, by in ((actions.task_complete, bob), (actions.task_reopen, bob), (actions.task_delete, manager)):
        with commit():  # each change commits before the next, as in real use
            act(task=Task.objects.get(pk=task.pk), by=by)

    assert received(alice) == [
        (Kind.COMPLETED, "completed", "Mine"),
        (Kind.REOPENED, "reopened", "Mine"),
        (Kind.DELETED, "deleted", "Mine"),
    ]
    assert received(bob) == [(Kind.DELETED, "deleted", "Mine")]  # bob acted twice himself
    assert received(manager) == [
        (Kind.BOARD_EVENT, "completed", "Mine"),
        (Kind.BOARD_EVENT, "reopened", "Mine"),
    ]


def test_a_manager_can_stop_following_board_events(
    team: Board, alice: Any, manager: Any, commit: Any
) -> None:
    Membership.objects.filter(user=manager, board=team).update(follows_events=False)
    with commit():
        actions.task_create(board=team, by=alice, title="Quiet")

    assert received(manager) == []


def test_nobody_outside_a_restricted_board_hears_of_it(
    private: Board, alice: Any, bob: Any, commit: Any
) -> None:
    Membership.objects.create(board=private, user=bob, role=Role.MEMBER)
    task = actions.task_create(board=private, by=alice, title="Secret", assignee=bob)
    Membership.objects.filter(board=private, user=bob).delete()  # bob leaves the board
    Notification.objects.all().delete()
    with commit():
        actions.task_complete(task=task, by=alice)

    assert received(bob) == []


def test_a_shell_write_notifies_as_someone(team: Board, alice: Any, commit: Any) -> None:
    task = actions.task_create(board=team, by=alice, title="T")
    with commit():
        task.delete()

    note = Notification.objects.get(recipient=alice)
    assert (note.kind, note.actor) == (Kind.DELETED, None)


# --- reading ---------------------------------------------------------------------------------


def test_mark_read_is_idempotent_and_never_goes_backwards(alice: Any, bob: Any) -> None:
    [note] = notes.notify(recipients=[alice.pk], kind=Kind.ASSIGNED, text="T", actor_id=bob.pk)

    first = notes.mark_read(user=alice, notification_id=note.pk).read_at
    again = notes.mark_read(user=alice, notification_id=note.pk).read_at

    assert first is not None and again == first
    with pytest.raises(Notification.DoesNotExist):
        notes.mark_read(user=bob, notification_id=note.pk)  # not bob's: like a missing id


def test_mark_all_read_counts_and_bumps_the_inbox_once(
    alice: Any, bob: Any, published: list, commit: Any
) -> None:
    notes.notify(recipients=[alice.pk], kind=Kind.ASSIGNED, text="a", actor_id=bob.pk)
    notes.notify(recipients=[alice.pk], kind=Kind.ASSIGNED, text="b", actor_id=bob.pk)
    published.clear()

    with commit():
        assert notes.mark_all_read(user=alice) == 2
        assert notes.mark_all_read(user=alice) == 0

    assert published == [(f"user.{alice.pk}", {"kind": "inbox.changed", "user": alice.pk, "seq": 3})]
    assert Inbox.objects.get(user=alice).seq == 3


# --- the daily reminder ------------------------------------------------------------------------


def test_reminder_once_per_person_per_day_even_when_run_twice(team: Board, alice: Any, bob: Any) -> None:
    today = timezone.localdate()
    actions.task_create(board=team, by=alice, title="Mine today", due_date=today)
    actions.task_create(board=team, by=alice, title="Bob's today", due_date=today, assignee=bob)
    actions.task_create(board=team, by=alice, title="Tomorrow", due_date=today + datetime.timedelta(days=1))
    done = actions.task_create(board=team, by=alice, title="Done today", due_date=today)
    actions.task_complete(task=done, by=alice)
    Notification.objects.all().delete()

    assert send_due_today_reminders() == 2
    assert send_due_today_reminders() == 0

    assert received(alice) == [(Kind.DUE_TODAY, "", "‘Mine today’")]
    assert received(bob) == [(Kind.DUE_TODAY, "", "‘Bob's today’")]
    # worded when shown, in the reader's language
    reminder = Notification.objects.get(recipient=alice)
    assert "1 task due today: ‘Mine today’" in html.unescape(str(item(reminder)))


def test_no_reminder_for_a_deactivated_person_or_a_board_they_left(
    team: Board, private: Board, alice: Any, bob: Any
) -> None:
    from tasks.models import Membership

    today = timezone.localdate()
    actions.task_create(board=private, by=alice, title="Left behind", due_date=today)
    actions.task_create(board=team, by=alice, title="Bob's, but he left", due_date=today, assignee=bob)
    Membership.objects.filter(board=private, user=alice).delete()  # alice is off the private board
    type(bob).objects.filter(pk=bob.pk).update(is_active=False)
    Notification.objects.all().delete()

    assert send_due_today_reminders() == 0
    assert not Notification.objects.exists()


def test_celery_task_runs_eagerly_by_default(team: Board, alice: Any) -> None:
    from notifications.tasks import send_due_today_reminders as job

    actions.task_create(board=team, by=alice, title="Due", due_date=timezone.localdate())

    assert job.delay().get(timeout=10) == 1
    assert Notification.objects.filter(recipient=alice, kind=Kind.DUE_TODAY).count() == 1


def test_send_reminders_command(team: Board, alice: Any, capsys: Any) -> None:
    from django.core.management import call_command

    actions.task_create(board=team, by=alice, title="Due", due_date=timezone.localdate())
    call_command("send_reminders")
    call_command("send_reminders")

    assert capsys.readouterr().out.splitlines() == ["1 reminder(s) sent.", "0 reminder(s) sent."]


# --- pages and HTTP ----------------------------------------------------------------------------


def test_the_bell_on_every_page_shows_the_unread_count(team: Board, alice: Any, bob: Any) -> None:
    notes.notify(recipients=[alice.pk], kind=Kind.ASSIGNED, text="Hello", actor_id=bob.pk)
    client = Client()
    client.force_login(alice)

    for url in ("/", f"/boards/{team.slug}/", "/activity/", "/notifications/", "/chat/", "/boards/no-such/"):
        html = client.get(url).content.decode()
        assert 'id="notif-badge"' in html and 'data-count="1"' in html, url
        assert "Bob\n      assigned you ‘Hello’" in html or "assigned you ‘Hello’" in html, url
        # and the bell stays live: every page opens a socket (the bell's own where the page has
        # no live regions of its own), so the badge follows without a reload
        assert 'ws-connect="/ws/' in html and 'id="live-socket"' in html, url
    assert 'ws-connect="/ws/notifications/user/"' in client.get("/boards/no-such/").content.decode()
    assert 'ws-connect="/ws/chat/"' in client.get("/chat/").content.decode()  # its room list is live too
    assert "ws-connect" not in Client().get("/accounts/login/").content.decode()  # nobody to tell


def test_badge_says_99_plus(alice: Any) -> None:
    Notification.objects.bulk_create(
        Notification(recipient=alice, kind=Kind.ASSIGNED, text=str(i)) for i in range(120)
    )
    client = Client()
    client.force_login(alice)
    badge = by_id(client.post("/notifications/read-all/", HTTP_HX_REQUEST="true").content.decode())[
        "notif-badge"
    ]
    assert badge.attrs["data-count"] == "0"
    Notification.objects.update(read_at=None)
    html = client.get("/notifications/").content.decode()
    assert ">99+</span>" in html


def test_http_read_endpoints_answer_with_the_fresh_panel_and_404_for_others(alice: Any, bob: Any) -> None:
    [note] = notes.notify(recipients=[alice.pk], kind=Kind.ASSIGNED, text="T", actor_id=bob.pk)
    client = Client()
    client.force_login(bob)
    assert client.post(f"/notifications/{note.pk}/read/", HTTP_HX_REQUEST="true").status_code == 404
    assert client.get(f"/notifications/{note.pk}/open/").status_code == 404
    client.force_login(alice)

    parts = by_id(client.post(f"/notifications/{note.pk}/read/", HTTP_HX_REQUEST="true").content.decode())

    assert parts["notif-badge"].attrs["data-count"] == "0"
    assert "read Today" in parts["notif-list"].text
    assert Notification.objects.get().read_at is not None


def item_html(client: Client, pk: int) -> str:
    """One notification's item on the notifications page."""
    page = client.get("/notifications/").content.decode()
    return re.search(rf'<li id="notif-{pk}".*?</li>', page, re.S).group(0)


def test_opening_a_notification_marks_it_read_and_follows_its_link(
    team: Board, alice: Any, bob: Any, commit: Any
) -> None:
    """The panel's link: an htmx POST marks it read and sends the browser on (HX-Redirect);
    its href leads there directly (a new tab, no htmx); a plain POST redirects."""
    with commit():
        task = actions.task_create(board=team, by=bob, title="Go", assignee=alice)
    note = Notification.objects.get(recipient=alice)
    target = f"/boards/{team.slug}/?task={task.pk}#task-{task.pk}"
    client = Client()
    client.force_login(alice)
    link = item_html(client, note.pk)
    assert f'href="{target}"' in link and f'hx-post="/notifications/{note.pk}/open/"' in link

    response = client.post(f"/notifications/{note.pk}/open/", HTTP_HX_REQUEST="true")

    assert response.status_code == 200 and response["HX-Redirect"] == target
    assert Notification.objects.get().read_at is not None
    Notification.objects.update(read_at=None)
    plain = client.post(f"/notifications/{note.pk}/open/")
    assert plain.status_code == 302 and plain["Location"] == target
    assert Notification.objects.get().read_at is not None


def test_a_get_of_a_notifications_address_leads_there_and_changes_nothing(
    team: Board, alice: Any, bob: Any, commit: Any
) -> None:
    """A link prefetcher (or a bookmark) reading /open/ marks nothing read."""
    with commit():
        task = actions.task_create(board=team, by=bob, title="Go", assignee=alice)
    note = Notification.objects.get(recipient=alice)
    client = Client()
    client.force_login(alice)

    response = client.get(f"/notifications/{note.pk}/open/")

    assert (
        response.status_code == 302
        and response["Location"] == f"/boards/{team.slug}/?task={task.pk}#task-{task.pk}"
    )
    assert Notification.objects.get().read_at is None
    client.force_login(bob)
    assert client.get(f"/notifications/{note.pk}/open/").status_code == 404  # not bob's


@pytest.mark.parametrize("link", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)", ""])
def test_a_link_to_elsewhere_leads_to_the_notifications_page(alice: Any, link: str) -> None:
    [note] = notes.notify(recipients=[alice.pk], kind=Kind.ASSIGNED, text="T", link=link)
    client = Client()
    client.force_login(alice)
    item = item_html(client, note.pk)
    assert 'href="/notifications/"' in item and "evil" not in item and "javascript" not in item
    assert (
        client.post(f"/notifications/{note.pk}/open/", HTTP_HX_REQUEST="true")["HX-Redirect"]
        == "/notifications/"
    )


def test_load_more_pages_back(alice: Any) -> None:
    Notification.objects.bulk_create(
        Notification(recipient=alice, kind=Kind.ASSIGNED, text=f"n{i}") for i in range(45)
    )
    client = Client()
    client.force_login(alice)
    oldest_shown = Notification.objects.order_by("-id")[19]

    more = client.get(f"/notifications/?before={oldest_shown.pk}", HTTP_HX_REQUEST="true").content.decode()

    ids = [int(part.split('"')[0]) for part in more.split('id="notif-')[1:] if part[0].isdigit()]
    assert ids == [n.pk for n in Notification.objects.order_by("-id")[20:40]]
    assert f'id="notif-more-{Notification.objects.order_by("-id")[39].pk}"' in more
    assert client.get("/notifications/?before=abc").status_code == 404


def test_new_since_the_last_visit_divider(alice: Any, bob: Any) -> None:
    old = notes.notify(recipients=[alice.pk], kind=Kind.ASSIGNED, text="old", actor_id=bob.pk)[0]
    Notification.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(hours=3))
    Inbox.objects.filter(user=alice).update(last_seen_at=timezone.now() - datetime.timedelta(hours=2))
    notes.notify(recipients=[alice.pk], kind=Kind.ASSIGNED, text="new", actor_id=bob.pk)

    notes.note_visit(user_id=alice.pk)  # back after two hours: a new visit
    client = Client()
    client.force_login(alice)
    page = client.get("/notifications/").content.decode()
    panel = client.get("/").content.decode()

    assert Inbox.objects.get(user=alice).previous_visit_at is not None
    assert panel.index("‘new’") < panel.index("New since your last visit") < panel.index("‘old’")
    # the page's list is the same live region (issue 13), divider included, and only once
    main = page.split("<main")[1]
    assert main.index("‘new’") < main.index("New since your last visit") < main.index("‘old’")
    assert page.count("New since your last visit") == 1


def test_the_first_page_of_a_new_visit_shows_the_divider_and_so_do_the_pushes(alice: Any, bob: Any) -> None:
    """Through the middleware, as a browser comes back: the very first page of the new visit
    has the divider, and the bell's live region (cached per inbox change number) moves it too,
    so a socket's snapshot agrees with the page."""
    from notifications.regions import panel

    old = notes.notify(recipients=[alice.pk], kind=Kind.ASSIGNED, text="old", actor_id=bob.pk)[0]
    client = Client()
    client.force_login(alice)
    client.get("/")  # a visit: everything so far has been seen
    Notification.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(hours=3))
    notes.notify(recipients=[alice.pk], kind=Kind.ASSIGNED, text="new", actor_id=bob.pk)
    before = panel.render(oob=True, user=alice.pk)  # what sockets were sent during that visit
    assert "New since your last visit" not in before

    Inbox.objects.filter(user=alice).update(last_seen_at=timezone.now() - datetime.timedelta(hours=2))
    session = client.session
    session["visit_noted"] = 0  # two hours later, the browser comes back
    session.save()
    page = client.get("/").content.decode()

    assert page.index("‘new’") < page.index("New since your last visit") < page.index("‘old’")
    pushed = panel.render(oob=True, user=alice.pk)
    assert pushed.index("‘new’") < pushed.index("New since your last visit") < pushed.index("‘old’")


# --- REST API ------------------------------------------------------------------------------------


def test_api_lists_own_only_and_reads(alice: Any, bob: Any) -> None:
    mine = notes.notify(recipients=[alice.pk], kind=Kind.ASSIGNED, text="mine", actor_id=bob.pk)[0]
    notes.notify(recipients=[alice.pk], kind=Kind.ASSIGNED, text="mine too", actor_id=bob.pk)
    theirs = notes.notify(recipients=[bob.pk], kind=Kind.ASSIGNED, text="theirs", actor_id=alice.pk)[0]
    api = APIClient()
    api.force_authenticate(alice)

    assert [n["text"] for n in api.get("/api/notifications/").data["results"]] == ["mine too", "mine"]
    assert api.get(f"/api/notifications/{theirs.pk}/").status_code == 404
    assert api.post(f"/api/notifications/{theirs.pk}/read/").status_code == 404
    read = api.post(f"/api/notifications/{mine.pk}/read/")
    assert read.status_code == 200 and read.data["read_at"] is not None
    assert [n["text"] for n in api.get("/api/notifications/?unread=1").data["results"]] == ["mine too"]
    assert api.post("/api/notifications/read-all/").data == {"marked": 1}
    assert api.get("/api/notifications/?unread=1").data["results"] == []
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    assert APIClient().get("/api/notifications/").status_code == 401
