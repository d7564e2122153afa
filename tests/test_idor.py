"""Another user's things are out of reach (issue 6; reliability plan B7, B8, B11, B12, B13, B15).

One matrix, by HTML view, REST API and socket. Mallory, signed in, asks for what is alice's:
her notification, a private room mallory is not in (its page, history, read position,
uploads, invitations, messages by the API), the file shared there, the room and the tasks
of a board mallory is not on. Every answer is exactly the answer for an id that does not
exist (404 over HTTP, the same error fragment or close 4403 over a socket), and not one row
changes. Lists show none of it.

Then identity: a frame that names someone else ("user", "user_id", "author", "sender",
"board", "group", ...) acts as the session's user on the socket's own board or room, and no
frame makes a socket join a group; an account deactivated behind the socket's back (a
``QuerySet.update()``, which no signal reports) can no longer act through it.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
from channels.db import database_sync_to_async
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.authtoken.models import Token

from chat import actions as chat
from chat.models import Message, ReadPosition, Room
from live.hub import Hub
from live.protocol import CloseCode
from notifications import actions as notes
from notifications.models import Kind, Notification
from tasks import actions as tasks
from tasks.models import Activity, Task
from tests import dbstate
from tests.frames import by_id, next_frame, quiet
from tests.test_chat import png

db = database_sync_to_async


# --- alice's things, and ids that do not exist ----------------------------------------------


@dataclass(frozen=True)
class Things:
    """What a URL or frame may name, as alice's things or as ones that do not exist."""

    notification: int | str
    task: int | str
    done_task: int | str
    room: str  # a private room's slug
    room_id: int | str
    board_room: str  # the room of a board mallory is not on
    attachment: int | str
    board: str  # a restricted board's slug
    board_id: int | str

    def fill(self, template: str) -> str:
        return template.format(**self.__dict__)


MISSING = Things(
    notification=999_999,
    task=999_999,
    done_task=999_998,
    room="no-such-room",
    room_id=999_999,
    board_room="no-such-room",
    attachment=999_999,
    board="no-such-board",
    board_id=999_999,
)


@pytest.fixture
def alices(team: Any, private: Any, alice: Any, bob: Any, mallory: Any) -> Things:
    """Alice's notification (unread), two tasks on her restricted board (one done), a private
    room with bob holding a message and a shared image, and her board's room."""
    [note] = notes.notify(recipients=[alice.pk], kind=Kind.ASSIGNED, text="alice's secret", actor_id=bob.pk)
    task = tasks.task_create(board=private, by=alice, title="Secret task")
    done = tasks.task_create(board=private, by=alice, title="Secret done")
    tasks.task_complete(task=done, by=alice)
    room = chat.room_create(by=alice, name="Secret plans", is_private=True, members=[bob])
    chat.message_send(room=room, by=alice, body="classified")
    chat.message_send(room=Room.objects.get(board=private), by=alice, body="classified too")
    upload = SimpleUploadedFile("plan.png", png(), content_type="image/png")
    shared = chat.attachment_share(room=room, by=alice, upload=upload, caption="the plan")
    return Things(
        notification=note.pk,
        task=task.pk,
        done_task=done.pk,
        room=room.slug,
        room_id=room.pk,
        board_room=Room.objects.get(board=private).slug,
        attachment=shared.attachment_id,
        board=private.slug,
        board_id=private.pk,
    )


def signed_in(user: Any) -> Client:
    """A browser session of ``user`` that has noted its visit (so a page view writes nothing)."""
    client = Client()
    client.force_login(user)
    session = client.session
    session["visit_noted"] = time.time()
    session.save()
    return client


def login_cookie(user: Any) -> tuple[bytes, bytes]:
    client = Client()
    client.force_login(user)
    return (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())


def api_client(user: Any) -> Client:
    """Token authentication, as a script would use the API."""
    token, _ = Token.objects.get_or_create(user=user)
    return Client(HTTP_AUTHORIZATION=f"Token {token.key}")


TOKEN = re.compile(r"[A-Za-z0-9]{64}")  # CSRF tokens: masked afresh on every page


def same_answer(theirs: Any, missing: Any) -> None:
    """Both 404, word for word: the page's own address and CSRF tokens (masked afresh on every
    page) aside."""
    assert theirs.status_code == missing.status_code == 404, (theirs.status_code, missing.status_code)
    texts = []
    for response in (theirs, missing):
        path = response.wsgi_request.get_full_path()
        text = response.content.decode().replace(path, "PATH").replace(quote(path, safe=""), "PATH")
        texts.append(TOKEN.sub("T", text))
    assert texts[0] == texts[1]


# --- HTML views and the REST API: 404 like a missing id, and nothing changes -----------------

UPLOAD = "upload"  # a multipart body with a real image
HTTP_CASES = [
    # (what, method, URL, data, extra headers)
    ("notification: mark read", "post", "/notifications/{notification}/read/", {}, {}),
    (
        "notification: mark read, htmx",
        "post",
        "/notifications/{notification}/read/",
        {},
        {"HTTP_HX_REQUEST": "true"},
    ),
    ("notification: open", "get", "/notifications/{notification}/open/", {}, {}),
    ("notification: open, mark read", "post", "/notifications/{notification}/open/", {}, {}),
    (
        "notification: open, mark read, htmx",
        "post",
        "/notifications/{notification}/open/",
        {},
        {"HTTP_HX_REQUEST": "true"},
    ),
    ("private room: page", "get", "/chat/{room}/", {}, {}),
    (
        "private room: older messages",
        "get",
        "/chat/messages/{room_id}/?before=99",
        {},
        {"HTTP_HX_REQUEST": "true"},
    ),
    ("private room: upload", "post", "/chat/{room}/files/", UPLOAD, {"HTTP_HX_REQUEST": "true"}),
    ("private room: invite oneself", "post", "/chat/{room}/invite/", {"user": "{mallory}"}, {}),
    ("other board's room: page", "get", "/chat/{board_room}/", {}, {}),
    ("other board's room: upload", "post", "/chat/{board_room}/files/", UPLOAD, {"HTTP_HX_REQUEST": "true"}),
    ("shared file", "get", "/chat/files/{attachment}/", {}, {}),
    ("shared file, download", "get", "/chat/files/{attachment}/?download=1", {}, {}),
    ("other board: page", "get", "/boards/{board}/", {}, {}),
    (
        "other board: create",
        "post",
        "/boards/{board}/tasks/",
        {"title": "Mine now"},
        {"HTTP_HX_REQUEST": "true"},
    ),
    ("task: complete", "post", "/tasks/{task}/complete/", {}, {"HTTP_HX_REQUEST": "true"}),
    ("task: reopen", "post", "/tasks/{done_task}/reopen/", {}, {"HTTP_HX_REQUEST": "true"}),
    ("task: delete", "post", "/tasks/{task}/delete/", {}, {"HTTP_HX_REQUEST": "true"}),
    ("task: delete, plain form", "post", "/tasks/{task}/delete/", {}, {}),
]
API_CASES = [
    ("notification", "get", "/api/notifications/{notification}/", None),
    ("notification: read", "post", "/api/notifications/{notification}/read/", None),
    ("room", "get", "/api/rooms/{room}/", None),
    ("room: messages", "get", "/api/rooms/{room}/messages/", None),
    ("room: older messages", "get", "/api/rooms/{room}/messages/?before=5", None),
    ("room: send", "post", "/api/rooms/{room}/messages/", {"body": "hello", "client_id": "m1"}),
    ("room: read position", "get", "/api/rooms/{room}/read/", None),
    ("room: move read position", "post", "/api/rooms/{room}/read/", {"upto": 1}),
    ("board's room: send", "post", "/api/rooms/{board_room}/messages/", {"body": "hello"}),
    ("task", "get", "/api/tasks/{task}/", None),
    ("task: put", "put", "/api/tasks/{task}/", {"title": "Mine", "completed": True}),
    ("task: patch", "patch", "/api/tasks/{task}/", {"title": "Mine"}),
    ("task: delete", "delete", "/api/tasks/{task}/", None),
    ("task: complete", "post", "/api/tasks/{task}/complete/", None),
    ("task: reopen", "post", "/api/tasks/{done_task}/reopen/", None),
]


def request(
    client: Client, method: str, url: str, data: Any, extra: dict[str, str], *, json_body: bool
) -> Any:
    if data == UPLOAD:
        data = {"file": SimpleUploadedFile("x.png", png(), content_type="image/png"), "caption": "mine"}
    if json_body and data is not None:
        return getattr(client, method)(url, json.dumps(data), content_type="application/json", **extra)
    return getattr(client, method)(url, data or {}, **extra)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("what", "method", "url", "data", "extra"), HTTP_CASES, ids=[c[0] for c in HTTP_CASES]
)
def test_pages_answer_404_for_alices_things_like_for_missing_ones(
    alices: Things,
    alice: Any,
    mallory: Any,
    what: str,
    method: str,
    url: str,
    data: Any,
    extra: dict[str, str],
) -> None:
    client = signed_in(mallory)
    if isinstance(data, dict):
        data = {key: str(mallory.pk) if value == "{mallory}" else value for key, value in data.items()}
    before = dbstate.fingerprint()

    theirs = request(client, method, alices.fill(url), data, extra, json_body=False)
    missing = request(client, method, MISSING.fill(url), data, extra, json_body=False)

    same_answer(theirs, missing)
    assert dbstate.changed(before, dbstate.fingerprint()) == []
    # the control: the address is right, and alice herself is not refused
    assert request(signed_in(alice), method, alices.fill(url), data, extra, json_body=False).status_code < 400


@pytest.mark.django_db
@pytest.mark.parametrize(("what", "method", "url", "data"), API_CASES, ids=[c[0] for c in API_CASES])
def test_the_api_answers_404_for_alices_things_like_for_missing_ones(
    alices: Things, alice: Any, mallory: Any, what: str, method: str, url: str, data: Any
) -> None:
    client = api_client(mallory)
    before = dbstate.fingerprint()

    theirs = request(client, method, alices.fill(url), data, {}, json_body=True)
    missing = request(client, method, MISSING.fill(url), data, {}, json_body=True)

    same_answer(theirs, missing)
    assert theirs["Content-Type"] == "application/json"
    assert dbstate.changed(before, dbstate.fingerprint()) == []
    # the control: the address is right, and alice herself is not refused
    assert request(api_client(alice), method, alices.fill(url), data, {}, json_body=True).status_code < 400


@pytest.mark.django_db
def test_naming_alices_board_when_creating_is_refused_like_a_missing_board(
    alices: Things, mallory: Any
) -> None:
    client = api_client(mallory)
    before = dbstate.fingerprint()

    theirs = request(
        client, "post", "/api/tasks/", {"title": "x", "board": alices.board_id}, {}, json_body=True
    )
    missing = request(
        client, "post", "/api/tasks/", {"title": "x", "board": MISSING.board_id}, {}, json_body=True
    )

    assert theirs.status_code == missing.status_code == 400
    assert theirs.json() == json.loads(
        missing.content.decode().replace(str(MISSING.board_id), str(alices.board_id))
    )
    assert dbstate.changed(before, dbstate.fingerprint()) == []


@pytest.mark.django_db
def test_lists_and_mark_all_read_show_and_touch_only_ones_own(alices: Things, mallory: Any) -> None:
    """What mallory's lists hold and what her "mark all read" does: nothing of alice's."""
    page, api = signed_in(mallory), api_client(mallory)
    before = dbstate.fingerprint()

    tasks_on_board = api.get(f"/api/tasks/?board={alices.board_id}").json()["results"]
    all_tasks = api.get("/api/tasks/").json()["results"]
    rooms = [room["slug"] for room in api.get("/api/rooms/").json()["results"]]
    notifications = api.get("/api/notifications/").json()["results"]
    marked = api.post("/api/notifications/read-all/").json()
    page.post("/notifications/read-all/")
    pages = {url: page.get(url).content.decode() for url in ("/", "/chat/", "/notifications/", "/activity/")}

    assert tasks_on_board == [] and alices.task not in [t["id"] for t in all_tasks]
    assert alices.room not in rooms and alices.board_room not in rooms
    assert notifications == [] and marked == {"marked": 0}
    for url, html in pages.items():
        for secret in ("alice&#x27;s secret", "alice's secret", "Secret task", "Secret plans", "classified"):
            assert secret not in html, (url, secret)
    assert dbstate.changed(before, dbstate.fingerprint()) == []


# --- sockets ------------------------------------------------------------------------------------


async def opened(connect: Any, path: str, user: Any) -> Any:
    socket = await connect(path, user)
    assert socket.connected
    await next_frame(socket)  # the snapshot
    return socket


async def answer(socket: Any, frame: dict[str, Any]) -> str:
    await socket.send_to(text_data=json.dumps(frame))
    return await next_frame(socket)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("slug", ["room", "board_room"])
async def test_a_room_one_may_not_read_closes_4403_like_a_missing_one_saying_nothing(
    connect: Any, alices: Things, alice: Any, mallory: Any, slug: str
) -> None:
    cookie = await db(login_cookie)(mallory)  # one session for both sockets: signing in writes
    before = await db(dbstate.fingerprint)()
    said = []
    for things in (alices, MISSING):
        socket = await connect(f"/ws/chat/{getattr(things, slug)}/", None, headers=[cookie])
        frames = [await socket.receive_output(timeout=3), await socket.receive_output(timeout=3)]
        said.append(frames)
        assert set(by_id(frames[0]["text"])) <= {"live-status", "live-announce"}  # the indicator only...
        assert by_id(frames[0]["text"])["live-status"].attrs["data-state"] == "forbidden"
        assert frames[1] == {"type": "websocket.close", "code": CloseCode.FORBIDDEN}  # ...then 4403
    assert said[0] == said[1]  # the same words and code as for a room that does not exist
    assert "classified" not in str(said[0]) and "Secret plans" not in str(said[0])
    assert await db(dbstate.changed)(before, await db(dbstate.fingerprint)()) == []
    # the control: alice gets her room, history included
    assert "classified" in await next_frame(await connect(f"/ws/chat/{getattr(alices, slug)}/", alice))


ROUTES = {
    "board": "/ws/boards/{team}/",
    "home": "/ws/tasks/",
    "activity": "/ws/notifications/",
    "inbox": "/ws/notifications/user/",
    "chat": "/ws/chat/{team_room}/",
}
SOCKET_CASES = [
    # (route, frame naming alice's thing, the error for it and for a missing one)
    *[(route, {"action": "mark_read", "notification_id": "{notification}"}) for route in ROUTES],
    ("board", {"action": "task.complete", "task": "{task}"}),
    ("board", {"action": "task.reopen", "task": "{done_task}"}),
    ("board", {"action": "task.delete", "task": "{task}"}),
]


def frame_for(template: dict[str, Any], things: Things) -> dict[str, Any]:
    return {key: things.fill(value) if isinstance(value, str) else value for key, value in template.items()}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("route", "frame"), SOCKET_CASES, ids=[f"{r}-{f['action']}" for r, f in SOCKET_CASES]
)
async def test_socket_actions_on_alices_things_answer_like_missing_ones(
    connect: Any, team: Any, alices: Things, alice: Any, mallory: Any, route: str, frame: dict[str, Any]
) -> None:
    team_room = await db(Room.objects.get)(board=team)
    socket = await opened(connect, ROUTES[route].format(team=team.pk, team_room=team_room.slug), mallory)
    alices_tab = await opened(connect, "/ws/notifications/user/", alice)
    before = await db(dbstate.fingerprint)()

    theirs = await answer(socket, frame_for(frame, alices))
    missing = await answer(socket, frame_for(frame, MISSING))

    assert list(by_id(theirs)) == ["live-error"]
    assert theirs == missing
    assert await db(dbstate.changed)(before, await db(dbstate.fingerprint)()) == []
    assert await quiet(alices_tab, 0.3)  # nothing happened to alice's things, so she hears nothing

    # the control: the same frame from alice, on the same route, is not refused and takes effect
    own = await opened(connect, ROUTES[route].format(team=team.pk, team_room=team_room.slug), alice)
    await own.send_to(text_data=json.dumps(frame_for(frame, alices)))
    await own.send_to(text_data=json.dumps({"action": "done"}))  # its "unknown action" ends the answer
    answers = []
    while "Unknown action" not in (text := await next_frame(own)):
        answers.append(text)
    assert not any("live-error" in text for text in answers)
    assert await db(dbstate.changed)(before, await db(dbstate.fingerprint)()) != []


# --- identity comes from the session, groups from the server ------------------------------------

FORGED = {
    "user": "{alice}",
    "user_id": "{alice}",
    "author": "{alice}",
    "author_id": "{alice}",
    "sender": "alice",
    "created_by": "{alice}",
    "recipient": "{alice}",
    "board": "{private}",
    "board_id": "{private}",
    "room": "{secret}",
    "group": "user.{alice}",
    "groups": "board.{private}",
    "topic": "room.{secret}",
    "channel": "user.{alice}",
    "type": "websocket.disconnect",
}


def forged(frame: dict[str, Any], **ids: Any) -> dict[str, Any]:
    """``frame`` with every identity field naming alice's things, and forged htmx headers."""
    fields = {key: value.format(**ids) for key, value in FORGED.items()}
    headers = {"HX-Request": "true", "HX-Current-URL": f"http://localhost/boards/{ids['private_slug']}/"}
    return {**fields, **frame, "HEADERS": {**headers, "HX-Trigger": fields["group"]}}


def topics_of(hub: Hub, user_id: int) -> set[str]:
    """The topics on which the hub delivers to sockets of ``user_id``."""
    return {
        topic
        for topic, pages in hub.sockets.items()
        for sockets in pages.values()
        for sock in sockets
        if sock.viewer.user_id == user_id
    }


@pytest.mark.django_db(transaction=True)
async def test_forged_identity_fields_act_as_the_session_user_and_join_no_group(
    connect: Any, team: Any, private: Any, alices: Things, alice: Any, bob: Any, mallory: Any
) -> None:
    team_room = await db(Room.objects.get)(board=team)
    ids = {"alice": alice.pk, "private": private.pk, "secret": alices.room_id, "private_slug": private.slug}
    board = await opened(connect, f"/ws/boards/{team.pk}/", mallory)
    room = await opened(connect, f"/ws/chat/{team_room.slug}/", mallory)
    await db(chat.message_send)(room=team_room, by=bob, body="before")
    await next_frame(room)  # bob's message
    hub = await Hub.current()
    topics_before = topics_of(hub, mallory.pk)

    await board.send_to(text_data=json.dumps(forged({"action": "task.create", "title": "Whose?"}, **ids)))
    await room.send_to(text_data=json.dumps(forged({"action": "message.send", "message": "Who?"}, **ids)))
    await room.send_to(text_data=json.dumps(forged({"action": "read", "upto": 99}, **ids)))
    await room.send_to(text_data=json.dumps(forged({"action": "mark_all_read"}, **ids)))
    await room.send_to(text_data=json.dumps(forged({"action": "typing"}, **ids)))
    for socket in (board, room):  # an unknown action marks the end of each socket's answers
        await socket.send_to(text_data=json.dumps({"action": "done"}))
        while "Unknown action" not in await next_frame(socket):
            pass

    task = await db(Task.objects.select_related("board", "created_by").get)(title="Whose?")
    activity = await db(Activity.objects.select_related("actor").get)(task_id=task.pk)
    message = await db(Message.objects.select_related("room", "author").get)(body="Who?")
    assert (task.board_id, task.created_by_id, activity.actor_id) == (team.pk, mallory.pk, mallory.pk)
    assert (message.room_id, message.author_id) == (team_room.pk, mallory.pk)
    positions = await db(lambda: dict(ReadPosition.objects.values_list("user__username", "seq")))()
    assert positions == {"mallory": 2}  # hers moved (to the newest message); nobody else's
    assert (await db(Notification.objects.get)(pk=alices.notification)).read_at is None
    assert await db(Task.objects.filter(board=private).count)() == 2  # alice's two, no third

    # the sockets listen where they did: mallory's board and room and her own topic, nothing of alice's
    assert topics_of(hub, mallory.pk) == topics_before
    assert topics_before == {f"board.{team.pk}", f"room.{team_room.pk}", f"user.{mallory.pk}"}
    await db(notes.notify)(recipients=[alice.pk], kind=Kind.ASSIGNED, text="for alice only", actor_id=bob.pk)
    await db(chat.message_send)(room=await db(Room.objects.get)(pk=alices.room_id), by=bob, body="psst")
    assert await quiet(board, 0.5) and await quiet(room, 0.5)


# --- an account deactivated behind the socket's back -------------------------------------------

DEACTIVATED_CASES = [
    ("board", {"action": "task.create", "title": "Still here"}, "live-error"),
    ("board", {"action": "task.complete", "task": "{mine}"}, "live-error"),
    ("board", {"action": "task.delete", "task": "{mine}"}, "live-error"),
    ("board", {"action": "mark_read", "notification_id": "{note}"}, "live-error"),
    ("board", {"action": "mark_all_read"}, "live-error"),
    ("chat", {"action": "message.send", "message": "Still here", "client_id": "z"}, "room-"),
    ("chat", {"action": "read", "upto": 5}, "live-error"),
    ("chat", {"action": "typing"}, "live-error"),
    ("chat", {"action": "mark_read", "notification_id": "{note}"}, "live-error"),
]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("route", "frame", "region"),
    DEACTIVATED_CASES,
    ids=[f"{r}-{f['action']}" for r, f, _ in DEACTIVATED_CASES],
)
async def test_a_deactivated_account_can_no_longer_act_through_an_open_socket(
    connect: Any, team: Any, alice: Any, mallory: Any, route: str, frame: dict[str, Any], region: str
) -> None:
    """Deactivated with ``QuerySet.update()`` (no signal): every action is refused, with the
    reason, and changes nothing; the socket does not crash."""
    team_room = await db(Room.objects.get)(board=team)
    mine = await db(tasks.task_create)(board=team, by=mallory, title="Mallory's")
    for i in range(3):
        await db(chat.message_send)(room=team_room, by=alice, body=f"hello {i}")
    [note] = await db(notes.notify)(
        recipients=[mallory.pk], kind=Kind.ASSIGNED, text="hers", actor_id=alice.pk
    )
    socket = await opened(connect, ROUTES[route].format(team=team.pk, team_room=team_room.slug), mallory)
    await db(get_user_model().objects.filter(pk=mallory.pk).update)(is_active=False)
    before = await db(dbstate.fingerprint)()

    values = {
        key: v.format(mine=mine.pk, note=note.pk) if isinstance(v, str) else v for key, v in frame.items()
    }
    reply = by_id(await answer(socket, values))

    [element] = [e for e in reply.values() if e.id.startswith(region)]
    assert "not active" in element.text
    assert await db(dbstate.changed)(before, await db(dbstate.fingerprint)()) == []


# --- one rule for tasks, the same by page, socket, API and admin (tasks/permissions.py) ---------
#
# Every member of a board may create, edit, complete and reopen any task on it; deleting one for
# good is for its creator and the board's managers. bob is a member of the team board, alice
# created the task, maya manages the board.


@pytest.mark.parametrize(
    ("who", "edit", "complete", "delete"),
    [
        ("bob", True, True, False),
        ("alice", True, True, True),
        ("maya", True, True, True),
        ("mallory", False, False, False),
    ],
)
def test_the_task_rule(
    team: Any,
    private: Any,
    alice: Any,
    bob: Any,
    manager: Any,
    mallory: Any,
    who: str,
    edit: bool,
    complete: bool,
    delete: bool,
) -> None:
    from tasks.permissions import TaskAct, user_may

    people = {"alice": alice, "bob": bob, "maya": manager, "mallory": mallory}
    board = private if who == "mallory" else team  # mallory is not on the private board
    task = tasks.task_create(board=board, by=alice, title="Alice's")
    user = people[who]
    assert [user_may(user, act, task) for act in (TaskAct.EDIT, TaskAct.COMPLETE, TaskAct.DELETE)] == [
        edit,
        complete,
        delete,
    ]


def test_a_member_edits_and_completes_anyones_task_but_deletes_only_their_own_by_the_api(
    team: Any, alice: Any, bob: Any
) -> None:
    task = tasks.task_create(board=team, by=alice, title="Alice's")
    client = api_client(bob)
    edited = client.patch(
        f"/api/tasks/{task.pk}/", {"title": "Renamed by bob"}, content_type="application/json"
    )
    assert edited.status_code == 200 and edited.json()["title"] == "Renamed by bob"
    assert client.post(f"/api/tasks/{task.pk}/complete/").status_code == 200
    refused = client.delete(f"/api/tasks/{task.pk}/")
    assert refused.status_code == 403 and "creator or a board manager" in refused.json()["detail"]
    assert Task.objects.filter(pk=task.pk, title="Renamed by bob", completed=True).exists()
    own = tasks.task_create(board=team, by=bob, title="Bob's")
    assert client.delete(f"/api/tasks/{own.pk}/").status_code == 204


def test_the_page_shows_the_delete_button_exactly_where_the_rule_allows(
    team: Any, alice: Any, bob: Any, manager: Any
) -> None:
    theirs = tasks.task_create(board=team, by=alice, title="Alice's")
    own = tasks.task_create(board=team, by=bob, title="Bob's")
    for user, deletable in ((bob, {own.pk}), (manager, {own.pk, theirs.pk})):
        html = signed_in(user).get(f"/boards/{team.slug}/").content.decode()
        for task in (theirs, own):
            card = re.search(rf'<li id="task-{task.pk}".*?</li>', html, re.S).group(0)
            assert f"/tasks/{task.pk}/complete/" in card  # completing is for every member
            assert (f"/tasks/{task.pk}/delete/" in card) == (task.pk in deletable), (user, task)
    # and the button's address refuses bob on alice's task, as the API does
    response = signed_in(bob).post(f"/tasks/{theirs.pk}/delete/", HTTP_HX_REQUEST="true")
    assert response.status_code == 403 and Task.objects.filter(pk=theirs.pk).exists()


@pytest.mark.django_db(transaction=True)
async def test_the_socket_follows_the_rule(connect: Any, team: Any, alice: Any, bob: Any) -> None:
    task = await db(tasks.task_create)(board=team, by=alice, title="Alice's")
    socket = await opened(connect, f"/ws/boards/{team.pk}/", bob)
    refused = await answer(socket, {"action": "task.delete", "task": task.pk})
    assert "creator or a board manager" in by_id(refused)["live-error"].text
    assert await db(Task.objects.filter(pk=task.pk).exists)()
    await socket.send_to(text_data=json.dumps({"action": "task.complete", "task": task.pk}))
    while f"task-{task.pk}" not in (await next_frame(socket)):
        pass
    assert await db(Task.objects.filter(pk=task.pk, completed=True).exists)()


def test_the_admin_follows_the_rule(team: Any, private: Any, alice: Any, make_user: Any) -> None:
    from django.contrib.auth.models import Permission

    staff = make_user("sam", is_staff=True)
    staff.user_permissions.set(
        Permission.objects.filter(codename__in=["view_task", "change_task", "delete_task"])
    )
    theirs = tasks.task_create(board=team, by=alice, title="Alice's")
    hidden = tasks.task_create(board=private, by=alice, title="Private one")
    own = tasks.task_create(board=team, by=staff, title="Sam's")
    client = signed_in(staff)
    assert client.get(f"/admin/tasks/task/{theirs.pk}/change/").status_code == 200  # members edit
    assert client.get(f"/admin/tasks/task/{theirs.pk}/delete/").status_code == 403
    assert client.post(f"/admin/tasks/task/{theirs.pk}/delete/", {"post": "yes"}).status_code == 403
    bulk = client.post(
        "/admin/tasks/task/",
        {"action": "delete_selected", "_selected_action": [theirs.pk, own.pk], "post": "yes"},
    )
    assert bulk.status_code == 403 and Task.objects.filter(pk__in=[theirs.pk, own.pk]).count() == 2
    assert client.get(f"/admin/tasks/task/{hidden.pk}/change/").status_code == 302  # not on that board
    assert "Private one" not in client.get("/admin/tasks/task/").content.decode()
    assert client.post(f"/admin/tasks/task/{own.pk}/delete/", {"post": "yes"}).status_code == 302
    assert not Task.objects.filter(pk=own.pk).exists()
