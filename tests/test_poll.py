"""Pages without a socket (live/poll.py): the poll answers what the socket would send, to
the same people only, and every action has a plain-HTTP way that nudges a polling page."""

from __future__ import annotations

from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.test import Client

from chat import actions as chat
from chat.models import Message, ReadPosition, Room
from live.poll import socket_path
from tasks import actions
from tasks.models import Board, Task
from tests.frames import by_id, next_frame, parse

HTMX = {"HTTP_HX_REQUEST": "true"}
db = database_sync_to_async


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def poll(client: Client, socket: str, **params: str) -> dict[str, Any]:
    response = client.get("/live/poll/", {"socket": socket, **params}, **HTMX)
    assert response.status_code == 200 and response["Cache-Control"].startswith("max-age=0")
    return by_id(response.content.decode())


@pytest.mark.django_db
def test_socket_paths_are_reversed_from_the_websocket_routes(team: Board) -> None:
    assert socket_path("board-socket", board_id=team.pk) == f"/ws/boards/{team.pk}/"
    assert socket_path("room-socket", room="team") == "/ws/chat/team/"
    assert socket_path("inbox-socket") == "/ws/notifications/user/"


@pytest.mark.django_db(transaction=True)
async def test_a_poll_answers_what_the_socket_sends_on_connect(connect: Any, team: Board, alice: Any) -> None:
    await db(actions.task_create)(board=team, by=alice, title="Polled")
    socket = await connect(f"/ws/boards/{team.pk}/", alice)
    snapshot = by_id(await next_frame(socket))

    polled = await db(poll)(await db(signed_in)(alice), f"/ws/boards/{team.pk}/")

    # an announced state also empties the alert region (the server answers again)
    assert set(polled) == set(snapshot) - {"live-announce", "live-error"}
    for region in snapshot:
        if region not in ("live-status", "live-announce", "live-error"):
            assert polled[region].html == snapshot[region].html, region
    assert polled["live-status"].attrs["data-state"] == "polling"
    assert "live-announce" not in polled  # said once, by the first poll after the socket closed


@pytest.mark.django_db
def test_the_indicator_comes_last_and_the_first_poll_announces(team: Board, alice: Any) -> None:
    response = signed_in(alice).get("/live/poll/", {"socket": f"/ws/boards/{team.pk}/", "announce": "1"})

    ids = [element.id for element in parse(response.content.decode())]
    assert ids[-2:] == ["live-status", "live-announce"]  # swapping it removes the poller that asked
    assert f"board-{team.pk}-open" in ids and "notif-badge" in ids


@pytest.mark.django_db
def test_a_poll_shows_nothing_to_those_the_socket_would_refuse(
    client: Client, private: Board, alice: Any, mallory: Any
) -> None:
    actions.task_create(board=private, by=alice, title="Secret plans")
    path = f"/ws/boards/{private.pk}/"

    anonymous = client.get("/live/poll/", {"socket": path}).content.decode()
    outsider = signed_in(mallory).get("/live/poll/", {"socket": path}).content.decode()
    nowhere = signed_in(alice).get("/live/poll/", {"socket": "/ws/nowhere/"}).content.decode()

    assert by_id(anonymous)["live-status"].attrs["data-state"] == "signed_out"
    assert by_id(outsider)["live-status"].attrs["data-state"] == "forbidden"
    assert by_id(nowhere)["live-status"].attrs["data-state"] == "forbidden"
    for answer in (anonymous, outsider):
        assert "Secret plans" not in answer and f"board-{private.pk}" not in answer
        assert "hx-get" not in answer  # final: no poller
    assert "Secret plans" in signed_in(alice).get("/live/poll/", {"socket": path}).content.decode()


@pytest.mark.django_db
def test_a_polling_indicator_polls_and_a_live_one_does_not(team: Board, alice: Any) -> None:
    polled = poll(signed_in(alice), f"/ws/boards/{team.pk}/")["live-status"]
    reconnecting = parse(signed_in(alice).get("/live/status/").content.decode())[0]

    assert "Refreshing every 5 s" in polled.text
    for status, first in ((polled, False), (reconnecting, True)):
        poller = 'hx-get="/live/poll/" hx-include="#live-socket"'
        assert poller in status.html
        assert ('hx-trigger="load, every 5s' in status.html) is first  # at once after a close
        assert "live-poll from:body" in status.html  # and after an action made over HTTP
    page = signed_in(alice).get(f"/boards/{team.slug}/").content.decode()
    assert f'<input type="hidden" id="live-socket" name="socket" value="/ws/boards/{team.pk}/">' in page
    assert "/live/poll/" not in page  # connecting: the socket comes first


@pytest.mark.django_db
def test_actions_over_http_nudge_a_polling_page(team: Board, alice: Any) -> None:
    client = signed_in(alice)
    created = client.post(f"/boards/{team.slug}/tasks/", {"title": "Nudged"}, **HTMX)
    task = Task.objects.get(title="Nudged")
    completed = client.post(f"/tasks/{task.pk}/complete/", **HTMX)
    read_all = client.post("/notifications/read-all/", **HTMX)
    refused = client.post(f"/boards/{team.slug}/tasks/", {"title": ""}, **HTMX)

    for response in (created, completed, read_all):
        assert response["HX-Trigger"] == "live-poll"
    assert refused.status_code == 422 and "HX-Trigger" not in refused  # nothing changed


@pytest.mark.django_db
def test_a_chat_message_and_a_read_position_over_http(team: Board, alice: Any, bob: Any) -> None:
    room = Room.objects.get(board=team)
    client = signed_in(alice)

    sent = client.post(f"/chat/{room.slug}/send/", {"message": "Over HTTP", "client_id": "c-1"}, **HTMX)
    again = client.post(f"/chat/{room.slug}/send/", {"message": "Over HTTP", "client_id": "c-1"}, **HTMX)
    empty = client.post(f"/chat/{room.slug}/send/", {"message": "", "client_id": "c-2"}, **HTMX)

    assert sent.status_code == 200 and sent["HX-Trigger"] == "live-poll"
    composer = parse(sent.content.decode())[0]
    assert composer.id == f"room-{room.pk}-composer"
    assert 'value="c-1"' not in composer.html  # a fresh client id for the next message
    assert again.status_code == 200  # a resend is harmless: stored once
    assert list(Message.objects.values_list("body", flat=True)) == ["Over HTTP"]
    assert empty.status_code == 422 and "Write something first." in empty.content.decode()

    message = Message.objects.get()
    reader = signed_in(bob)
    assert reader.post(f"/chat/read/{room.pk}/", {"upto": str(message.seq)}, **HTMX).status_code == 204
    assert reader.post(f"/chat/read/{room.pk}/", {"upto": "0"}, **HTMX).status_code == 204  # never back
    assert reader.post(f"/chat/read/{room.pk}/", {"upto": "x"}, **HTMX).status_code == 400
    assert ReadPosition.objects.get(room=room, user=bob).seq == message.seq


@pytest.mark.django_db
def test_a_private_room_over_http_is_404_for_outsiders(alice: Any, bob: Any, mallory: Any) -> None:
    secret = chat.room_create(by=alice, name="Secret", is_private=True, members=[bob])
    outsider = signed_in(mallory)

    assert outsider.post(f"/chat/{secret.slug}/send/", {"message": "hi"}, **HTMX).status_code == 404
    assert outsider.post(f"/chat/read/{secret.pk}/", {"upto": "1"}, **HTMX).status_code == 404
    assert not Message.objects.exists() and not ReadPosition.objects.filter(user=mallory).exists()


@pytest.mark.django_db
def test_what_a_page_needs_while_the_server_is_down_is_kept_by_the_browser(
    client: Client, alice: Any
) -> None:
    """The "reconnecting" indicator and the "could not be reached" alert come from the
    browser's cache when the server has crashed (issue 13): cacheable, per user."""
    anonymous = client.get("/live/status/", **HTMX)
    assert parse(anonymous.content.decode())[0].attrs["data-state"] == "signed_out"
    assert "no-cache" in anonymous["Cache-Control"] or "max-age=0" in anonymous["Cache-Control"]

    user = signed_in(alice)
    status = user.get("/live/status/", **HTMX)
    unreachable = user.get("/live/unreachable/", **HTMX)
    for response in (status, unreachable):
        assert set(response["Cache-Control"].split(", ")) == {"private", "max-age=604800"}
        assert "Cookie" in response["Vary"]
    assert parse(status.content.decode())[0].attrs["data-state"] == "reconnecting"
    alert = by_id(unreachable.content.decode())["live-error"]
    assert alert.attrs["role"] == "alert" and alert.attrs["hx-swap-oob"] == "true"
    assert "nothing was saved" in alert.text

    first_poll = poll(user, "/ws/notifications/user/", announce="1")
    ids = list(first_poll)
    assert ids.index("live-error") < ids.index("live-status") and first_poll["live-error"].text == ""
