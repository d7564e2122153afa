"""The pages and their htmx endpoints."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tasks import actions
from tasks.models import Board, Task
from tests.frames import parse

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def as_alice(alice: Any) -> Client:
    client = Client()
    client.force_login(alice)
    return client


def test_pages_need_login(client: Client, team: Board) -> None:
    for url in ("/", f"/boards/{team.slug}/", "/activity/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_board_page_renders_regions_with_the_same_ids_the_socket_swaps(
    as_alice: Client, team: Board, alice: Any
) -> None:
    task = actions.task_create(board=team, by=alice, title="Visible")

    html = as_alice.get(f"/boards/{team.slug}/").content.decode()

    for region in (
        f"board-{team.pk}-open",
        f"board-{team.pk}-done",
        f"board-{team.pk}-open-count",
        f"board-{team.pk}-activity",
        f"task-{task.pk}",
        "live-status",
        "task-form",
    ):
        assert f'id="{region}"' in html
    assert f'ws-connect="/ws/boards/{team.pk}/"' in html
    assert "hx-swap-oob" not in html  # only pushed fragments carry it
    assert "<script>" not in html and "cdn" not in html.lower()
    assert "/static/django_htmx/htmx-2.min.js" in html


def test_restricted_board_is_404_for_outsiders(client: Client, private: Board, mallory: Any) -> None:
    client.force_login(mallory)
    assert client.get(f"/boards/{private.slug}/").status_code == 404
    assert client.post(f"/boards/{private.slug}/tasks/", {"title": "x"}).status_code == 404
    assert not Task.objects.exists()


def test_htmx_create_returns_a_fresh_form(as_alice: Client, team: Board) -> None:
    response = as_alice.post(f"/boards/{team.slug}/tasks/", {"title": "From the form"}, **HTMX)

    assert response.status_code == 200
    form = parse(response.content.decode())[0]
    assert form.id == "task-form"
    assert "Added “From the form”." in form.text
    assert 'name="title"' in form.html and 'value="From the form"' not in form.html
    assert Task.objects.get().title == "From the form"


def test_invalid_create_keeps_what_was_typed_and_explains(as_alice: Client, team: Board) -> None:
    response = as_alice.post(
        f"/boards/{team.slug}/tasks/",
        {"title": "", "description": "Keep me", "due_date": "31/31/2026"},
        **HTMX,
    )

    assert response.status_code == 422
    html = response.content.decode()
    assert "Give the task a title." in html and "Enter a valid date." in html
    assert "Keep me" in html and 'value="31/31/2026"' in html
    assert 'aria-invalid="true"' in html
    assert not Task.objects.exists()


def test_plain_post_without_htmx_redirects_or_shows_the_page_with_errors(
    as_alice: Client, team: Board
) -> None:
    ok = as_alice.post(f"/boards/{team.slug}/tasks/", {"title": "No JS"})
    bad = as_alice.post(f"/boards/{team.slug}/tasks/", {"title": ""})

    assert ok.status_code == 302 and ok["Location"] == f"/boards/{team.slug}/"
    assert bad.status_code == 422 and "Give the task a title." in bad.content.decode()
    assert Task.objects.count() == 1


def test_complete_reopen_delete_endpoints(as_alice: Client, team: Board, alice: Any) -> None:
    task = actions.task_create(board=team, by=alice, title="T")

    # each answer is the note the actor's focus lands on, above the list (issue 13)
    completed = as_alice.post(f"/tasks/{task.pk}/complete/", **HTMX)
    assert completed.status_code == 200 and "“T” is done." in completed.content.decode()
    assert "autofocus" in completed.content.decode()
    assert Task.objects.get().completed
    reopened = as_alice.post(f"/tasks/{task.pk}/reopen/", **HTMX)
    assert "“T” is open again." in reopened.content.decode()
    assert not Task.objects.get().completed
    deleted = as_alice.post(f"/tasks/{task.pk}/delete/", **HTMX)
    assert deleted.status_code == 200 and "“T” was deleted." in deleted.content.decode()
    assert not Task.objects.exists()
    assert as_alice.post(f"/tasks/{task.pk}/complete/", **HTMX).status_code == 404


def test_refused_delete_explains_in_the_error_banner(
    client: Client, team: Board, alice: Any, bob: Any
) -> None:
    task = actions.task_create(board=team, by=alice, title="Alice's")
    client.force_login(bob)

    response = client.post(f"/tasks/{task.pk}/delete/", **HTMX)

    assert response.status_code == 403
    banner = parse(response.content.decode())[0]
    assert (banner.id, banner.swap) == ("live-error", "true")
    assert "creator or a board manager" in banner.text
    assert Task.objects.exists()


def test_writes_need_post_and_csrf(alice: Any, team: Board) -> None:
    task = actions.task_create(board=team, by=alice, title="T")
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)

    assert client.get(f"/tasks/{task.pk}/complete/").status_code == 405
    assert client.post(f"/tasks/{task.pk}/complete/", **HTMX).status_code == 403
    assert not Task.objects.get().completed


def test_home_and_activity_pages(as_alice: Client, team: Board, private: Board, alice: Any) -> None:
    actions.task_create(board=private, by=alice, title="Only members")

    home = as_alice.get("/").content.decode()
    ticker = as_alice.get("/activity/").content.decode()

    assert f'id="board-{team.pk}-summary"' in home and f'id="board-{private.pk}-summary"' in home
    assert 'ws-connect="/ws/tasks/"' in home and 'ws-connect="/ws/notifications/"' in ticker
    assert "Only members" in ticker


def test_status_endpoint_says_reconnecting_or_signed_out(client: Client, alice: Any) -> None:
    assert 'data-state="signed_out"' in client.get("/live/status/").content.decode()
    client.force_login(alice)
    assert 'data-state="reconnecting"' in client.get("/live/status/").content.decode()


def test_every_page_carries_the_content_security_policy(as_alice: Client, team: Board) -> None:
    for path in ("/", f"/boards/{team.slug}/", "/activity/", "/notifications/", "/chat/", "/accounts/login/"):
        policy = as_alice.get(path)["Content-Security-Policy"]
        directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
        assert directives["script-src"] == "'self'", path  # no inline script, no eval
        assert directives["style-src"] == "'self'", path
        assert directives["connect-src"] == "'self'", path  # the socket goes to this site only
        assert directives["frame-ancestors"] == "'none'", path


def test_a_manager_chooses_whether_the_boards_events_notify_them(
    team: Board, manager: Any, alice: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from notifications.models import Kind, Notification
    from tasks.models import Membership

    client = Client()
    client.force_login(manager)
    assert "Notifying me of every change" in client.get(f"/boards/{team.slug}/").content.decode()

    off = client.post(f"/boards/{team.slug}/follow/", {"follow": "0"}, **HTMX)
    assert off.status_code == 200 and 'aria-pressed="false"' in off.content.decode()
    assert not Membership.objects.get(board=team, user=manager).follows_events
    with django_capture_on_commit_callbacks(execute=True):
        actions.task_create(board=team, by=alice, title="Nobody told Maya")
    assert not Notification.objects.filter(recipient=manager).exists()

    on = client.post(f"/boards/{team.slug}/follow/", {"follow": "1"}, **HTMX)
    assert 'aria-pressed="true"' in on.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        actions.task_create(board=team, by=alice, title="Maya hears of this")
    assert list(Notification.objects.filter(recipient=manager).values_list("kind", flat=True)) == [
        Kind.BOARD_EVENT
    ]


def test_only_managers_have_the_follow_switch_and_others_are_refused(team: Board, alice: Any) -> None:
    from tasks.models import Membership

    client = Client()
    client.force_login(alice)
    assert "board-follow" not in client.get(f"/boards/{team.slug}/").content.decode()
    refused = client.post(f"/boards/{team.slug}/follow/", {"follow": "1"}, **HTMX)
    assert refused.status_code == 403 and "managers" in refused.content.decode()
    assert not Membership.objects.filter(user=alice, role="manager").exists()
