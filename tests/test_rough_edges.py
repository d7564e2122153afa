"""The smaller rough edges a newcomer hit (issue 13, item 9): each as the person sees it."""

from __future__ import annotations

import datetime
import urllib.error
import urllib.request
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tasks import actions
from tests.dom import Page


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_the_realtime_page_tells_a_non_staff_person_they_are_not_allowed(client: Client, alice: Any) -> None:
    response = signed_in(alice).get("/live/ops/")

    assert response.status_code == 403
    assert "Not allowed" in response.content.decode()
    assert "The realtime page is for staff." in response.content.decode()
    anonymous = client.get("/live/ops/")
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_a_due_date_reads_the_same_on_the_card_and_in_due_this_week(team: Any, alice: Any) -> None:
    due = timezone.localdate() + datetime.timedelta(days=3)
    task = actions.task_create(board=team, by=alice, title="Plan", due_date=due)

    page = Page(signed_in(alice).get(f"/boards/{team.slug}/").content.decode())
    on_card = next(n for n in page.by_id[f"task-{task.pk}"].walk() if n.tag == "time").text()
    in_due_soon = next(n for n in page.by_id[f"board-{team.pk}-due-soon"].walk() if n.tag == "time").text()

    assert on_card == in_due_soon == due.strftime("%a %-d %b")


@pytest.mark.django_db
def test_redoc_is_served_without_the_address_of_its_cdn_logo(client: Client) -> None:
    page = client.get("/api/redoc/").content.decode()
    bundle = client.get("/api/redoc/bundles/redoc.standalone.js")

    assert 'src="/api/redoc/bundles/redoc.standalone.js"' in page
    assert bundle.status_code == 200 and bundle["Content-Type"].startswith("text/javascript")
    body = bundle.content.decode()
    assert "cdn.redoc.ly" not in body and "API docs by Redocly" in body


@pytest.mark.django_db(transaction=True)
def test_the_server_says_where_it_serves_and_logs_each_warning_once(start_server: Any) -> None:
    server = start_server(LIVE_LOG_LEVEL="INFO")
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(server.url + "/no-such-page/", timeout=10)
    server.process.terminate()
    server.process.wait(timeout=10)
    log = server.log_text()

    assert log.splitlines()[0] == f"Taskboard: {server.url}/"
    assert log.count("Not Found: /no-such-page/") == 1


@pytest.mark.django_db
def test_every_page_holds_each_id_once(team: Any, alice: Any, bob: Any, make_user: Any) -> None:
    """An update by id reaches one element: no id twice on any page (issue 13: every
    notification was on /notifications/ twice, in the bell's panel and in the list)."""
    from chat.models import Room
    from notifications import actions as notes
    from notifications.models import Kind

    for n in range(3):
        notes.notify(recipients=[alice.pk], kind=Kind.ASSIGNED, text=f"Task {n}", actor_id=bob.pk)
    task = actions.task_create(board=team, by=alice, title="Plan", due_date=timezone.localdate())
    actions.task_complete(task=task, by=alice)
    actions.task_create(board=team, by=alice, title="Open one")
    room = Room.objects.get(board=team)
    staff = make_user("root", is_staff=True, is_superuser=True)
    pages = ["/", f"/boards/{team.slug}/", "/activity/", "/notifications/", "/chat/", f"/chat/{room.slug}/"]
    for user, paths in ((alice, pages), (staff, [*pages, "/live/ops/"])):
        client = signed_in(user)
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, path
            page = Page(response.content.decode())
            assert page.duplicates == [], (path, page.duplicates)
    login = Page(Client().get("/accounts/login/").content.decode())
    assert login.duplicates == []
    notifications = signed_in(alice).get("/notifications/").content.decode()
    listed = Page(notifications).by_id["notif-list"]
    assert any(a.tag == "main" for a in _ancestors(listed))
    assert "Task 2" in listed.text()  # the page's own list is the live region


def _ancestors(node: Any) -> list[Any]:
    out = []
    while node.parent is not None:
        node = node.parent
        out.append(node)
    return out


@pytest.mark.django_db
def test_seen_by_leaves_the_reader_out_on_their_own_page(
    team: Any, alice: Any, bob: Any, make_user: Any
) -> None:
    """The "seen by" line is one render for the room; each reader's page gets a rule that
    hides their own name (and its comma), and the line when nobody else has read."""
    from chat.models import Room

    room = Room.objects.get(board=team)
    page = signed_in(alice).get(f"/chat/{room.slug}/").content.decode()
    css = signed_in(alice).get("/chat/seen.css")

    assert '<link rel="stylesheet" href="/chat/seen.css">' in page
    assert css["Content-Type"].startswith("text/css") and "private" in css["Cache-Control"]
    body = css.content.decode()
    assert f'.seen-name[data-reader="{alice.pk}"] {{ display: none; }}' in body
    assert f'.seen-name[data-reader="{alice.pk}"]:first-child + .seen-name > .seen-sep' in body
    assert str(bob.pk) not in body.replace(str(alice.pk), "")
