"""The REST API against its own OpenAPI schema (issue 6; reliability plan B15).

schemathesis reads the schema the app serves at ``/api/schema/`` and sends every operation
generated requests, in process against the WSGI app (Django's own ``get_wsgi_application()``:
the project serves ASGI, and its HTTP side is the same Django app and middleware), as a board member signed in with a
token: valid ones, and (its negative mode) ones that break the schema. None may answer with
a server error, and every answer must match what the schema promises (status codes, content
type, body, headers). Path ids and slugs are often real ones (mallory's tasks, rooms and
notifications, and alice's, which mallory may not see), so the requests reach the code
behind the lookups. Anonymous callers are refused by every operation.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode

from chat import actions as chat
from chat.models import Room
from notifications import actions as notes
from notifications.models import Kind
from tasks import actions as tasks
from tests.test_chat import png

MAX_EXAMPLES = 25  # per operation and mode
CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
    schemathesis.checks.response_headers_conformance,
]
SENT: Counter[str] = Counter()  # requests by answer class ("2xx", "4xx", "5xx"), for the report


@pytest.fixture
def world(team: Any, private: Any, alice: Any, bob: Any, mallory: Any) -> dict[str, list[Any]]:
    """Mallory's own things and alice's, to be named in paths; returns the ids and slugs."""
    mine = [tasks.task_create(board=team, by=mallory, title=f"Mine {i}") for i in range(3)]
    tasks.task_complete(task=mine[0], by=mallory)
    theirs = tasks.task_create(board=private, by=alice, title="Secret")
    room = Room.objects.get(board=team)
    for i in range(3):
        chat.message_send(room=room, by=alice, body=f"hello @mallory {i}")  # mentions notify her
    upload = SimpleUploadedFile("plan.png", png(), content_type="image/png")
    chat.attachment_share(room=room, by=alice, upload=upload, caption="a file")
    secret = chat.room_create(by=alice, name="Secret", is_private=True, members=[bob])
    [note] = notes.notify(recipients=[alice.pk], kind=Kind.ASSIGNED, text="alice's", actor_id=bob.pk)
    notified = notes.notify(recipients=[mallory.pk], kind=Kind.ASSIGNED, text="hers", actor_id=bob.pk)
    return {
        "id": [*(t.pk for t in mine), theirs.pk, note.pk, *(n.pk for n in notified), 0, 2**63],
        "slug": [room.slug, secret.slug, Room.objects.get(board=private).slug],
    }


@pytest.fixture
def _test_connection_stays_open() -> Iterator[None]:
    """Requests made straight to the WSGI app would close the test's database connection at
    their start and end (and with it the test's transaction); Django's own test client turns
    that off around each request in the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(world: dict[str, list[Any]], _test_connection_stays_open: None) -> Any:
    """The schema as the app serves it, with path parameters often drawn from ``world``."""
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())

    @schema.hook
    def flatmap_path_parameters(context: Any, path_parameters: dict[str, Any]) -> st.SearchStrategy[Any]:
        real = {name: st.sampled_from(world[name]) for name in path_parameters or () if name in world}
        if not real:
            return st.just(path_parameters)
        return st.one_of(st.just(path_parameters), st.fixed_dictionaries({**path_parameters, **real}))

    return schema


@pytest.fixture
def token(mallory: Any) -> str:
    return Token.objects.create(user=mallory).key


@pytest.fixture(scope="module", autouse=True)
def _report() -> Iterator[None]:
    started = time.perf_counter()
    yield
    if SENT:
        total = sum(SENT.values())
        print(
            f"\nschemathesis: {total} requests in {time.perf_counter() - started:.1f} s "
            f"({dict(sorted(SENT.items()))}), 5xx: {SENT['5xx']}"
        )


def cases(operation: Any, mode: GenerationMode, world: dict[str, list[Any]]) -> st.SearchStrategy[Any]:
    """Requests for ``operation``. Negative ones break the query and the body, with real ids in
    the path: an id that is not a number matches no API route at all (see the last test)."""
    if mode is GenerationMode.POSITIVE:
        return operation.as_strategy(generation_mode=mode)
    names = [parameter.name for parameter in operation.path_parameters]
    real = st.fixed_dictionaries({name: st.sampled_from(world[name]) for name in names})
    return real.flatmap(lambda path: operation.as_strategy(generation_mode=mode, path_parameters=path))


PER_OPERATION = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    database=None,
    phases=(Phase.explicit, Phase.generate),  # a failure is reported as found: no shrinking
    suppress_health_check=list(HealthCheck),
)


@pytest.mark.django_db
def test_every_operation_answers_as_its_schema_says_and_never_500(
    api_schema: Any, token: str, world: dict[str, list[Any]]
) -> None:
    """Each operation, with data that fits its schema and with data that does not (schemathesis'
    pytest plugin does not run under pytest 9, so the operations are looped here)."""
    failures: dict[str, str] = {}
    for result in api_schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @PER_OPERATION
            @given(case=cases(operation, mode, world))
            def call(case: Any) -> None:
                response = case.call(headers={"Authorization": f"Token {token}"})
                SENT[f"{response.status_code // 100}xx"] += 1
                case.validate_response(response, checks=CHECKS)

            try:
                call()
            except Unsatisfiable:  # no request breaks this one's schema in a way that can be sent
                continue
            except BaseException as failure:  # collect every operation's failures, then report
                if not isinstance(failure, Exception | BaseExceptionGroup):
                    raise
                failures[f"{mode.value} {operation.label}"] = str(failure)[:1500]
    assert not failures, "\n\n".join(f"{label}:\n{text}" for label, text in failures.items())
    assert SENT["5xx"] == 0


@pytest.mark.django_db
def test_anonymous_callers_are_refused_by_every_operation(
    api_schema: Any, world: dict[str, list[Any]]
) -> None:
    """Each operation of the schema, called without credentials (with a real id or slug in
    the path): 401 with a ``WWW-Authenticate`` challenge, and nothing else."""
    called = []
    for result in api_schema.get_all_operations():
        operation = result.ok()
        path = operation.path.replace("{id}", str(world["id"][0])).replace("{slug}", world["slug"][0])
        response = Client().generic(operation.method.upper(), path, "{}", content_type="application/json")
        called.append(f"{operation.method.upper()} {operation.path}")
        assert (response.status_code, response.get("WWW-Authenticate")) == (401, "Token"), called[-1]
    assert len(called) == len(set(called)) >= 19 and "DELETE /api/tasks/{id}/" in called


NOT_OBJECTS = ['"a string"', "[1, 2]", "42", "null", "true", "[]"]


@pytest.mark.django_db
@pytest.mark.parametrize("body", NOT_OBJECTS)
def test_json_bodies_that_are_not_objects_are_refused_never_500(
    api_schema: Any, world: dict[str, list[Any]], token: str, body: str
) -> None:
    """Every operation that reads a body, sent JSON that is not an object of fields (the
    negative runs above find these only now and then): a 4xx in JSON, never a 500."""
    api = Client(HTTP_AUTHORIZATION=f"Token {token}")
    sent = 0
    for result in api_schema.get_all_operations():
        operation = result.ok()
        if not operation.body:  # reads no body
            continue
        path = operation.path.replace("{id}", str(world["id"][0])).replace("{slug}", world["slug"][0])
        response = api.generic(operation.method.upper(), path, body, content_type="application/json")
        label = f"{operation.method.upper()} {operation.path} {body}"
        assert 400 <= response.status_code < 500, (label, response.status_code)
        assert response["Content-Type"] == "application/json", label
        sent += 1
    assert sent >= 6  # rooms, messages, read position, tasks (create, put, patch)


NUMBERS = ["²", "१२", "9" * 5000, "9" * 23, "-1", "1.5", "0x1", " 1", ""]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "value", NUMBERS, ids=["superscript", "devanagari", "5000-digits", "23-digits", *NUMBERS[4:]]
)
def test_numbers_in_query_strings_are_refused_like_words_never_500(
    world: dict[str, list[Any]], mallory: Any, token: str, value: str
) -> None:
    """``?board=`` and ``?before=`` with what only looks like a number (``str.isdigit()`` says
    yes to "²" and to other scripts' digits; 5000 digits are more than ``int()`` reads; 23
    are more than a database column holds): the answer a word gets, by the API and the pages."""
    room = Room.objects.get(slug=world["slug"][0])
    api = Client(HTTP_AUTHORIZATION=f"Token {token}")
    page = Client()
    page.force_login(mallory)

    tasks_on_board = api.get("/api/tasks/", {"board": value})
    older = api.get(f"/api/rooms/{room.slug}/messages/", {"before": value})
    notifications_page = page.get("/notifications/", {"before": value})
    older_page = page.get(f"/chat/messages/{room.pk}/", {"before": value}, HTTP_HX_REQUEST="true")

    assert (tasks_on_board.status_code, tasks_on_board.json()["results"]) == (200, [])
    assert (older.status_code, older.json()) == (400, {"before": ["A whole number."]})
    assert (notifications_page.status_code, older_page.status_code) == (404, 404)


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/tasks/2.5e-3/", "/api/rooms/caf%C3%A9./", "/api/no-such-thing/"])
def test_an_api_address_that_matches_no_route_answers_json(token: str, path: str) -> None:
    response = Client(HTTP_AUTHORIZATION=f"Token {token}").get(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
