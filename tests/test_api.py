"""The REST API: each endpoint, scoping, validation, and that its writes reach open boards."""

from __future__ import annotations

import os
from typing import Any

import pytest
from channels.db import database_sync_to_async
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tasks import actions
from tasks.models import Board, Task
from tests.frames import by_id, next_frame

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(alice: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(alice)
    return client


def test_anonymous_gets_401(team: Board) -> None:
    response = APIClient().get("/api/tasks/")
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Token"


def test_token_authentication(alice: Any, team: Board) -> None:
    token = Token.objects.create(user=alice)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get("/api/tasks/").status_code == 200
    client.credentials(HTTP_AUTHORIZATION="Token wrong")
    assert client.get("/api/tasks/").status_code == 401


def test_create_on_the_default_board_when_none_is_named(api: APIClient, team: Board, bob: Any) -> None:
    response = api.post(
        "/api/tasks/", {"title": "API task", "assignee": bob.pk, "due_date": "2026-12-01"}, format="json"
    )

    assert response.status_code == 201, response.data
    task = Task.objects.get()
    assert response.data == {
        "id": task.pk,
        "board": team.pk,
        "title": "API task",
        "description": "",
        "assignee": bob.pk,
        "due_date": "2026-12-01",
        "completed": False,
        "version": task.version,
    }


def test_list_retrieve_update_partial_update_delete(api: APIClient, team: Board, alice: Any) -> None:
    task = actions.task_create(board=team, by=alice, title="One")

    assert [t["id"] for t in api.get("/api/tasks/").data["results"]] == [task.pk]
    assert api.get(f"/api/tasks/{task.pk}/").data["title"] == "One"
    put = api.put(
        f"/api/tasks/{task.pk}/", {"title": "Two", "description": "d", "board": team.pk}, format="json"
    )
    assert put.status_code == 200 and put.data["title"] == "Two"
    patch = api.patch(f"/api/tasks/{task.pk}/", {"completed": True}, format="json")
    assert patch.status_code == 200 and patch.data["completed"] is True
    assert patch.data["version"] > put.data["version"]
    assert api.delete(f"/api/tasks/{task.pk}/").status_code == 204
    assert not Task.objects.exists()


def test_complete_and_reopen_actions(api: APIClient, team: Board, alice: Any) -> None:
    task = actions.task_create(board=team, by=alice, title="T")

    done = api.post(f"/api/tasks/{task.pk}/complete/")
    assert done.status_code == 200 and done.data["completed"] is True
    again = api.post(f"/api/tasks/{task.pk}/complete/")
    assert again.data["version"] == done.data["version"]  # already done: unchanged
    assert api.post(f"/api/tasks/{task.pk}/reopen/").data["completed"] is False


def test_filters(api: APIClient, team: Board, private: Board, alice: Any) -> None:
    a = actions.task_create(board=team, by=alice, title="a")
    b = actions.task_create(board=private, by=alice, title="b")
    actions.task_complete(task=b, by=alice)

    assert [t["id"] for t in api.get(f"/api/tasks/?board={team.pk}").data["results"]] == [a.pk]
    assert [t["id"] for t in api.get("/api/tasks/?completed=true").data["results"]] == [b.pk]
    assert api.get("/api/tasks/?board=abc").data["results"] == []


def test_other_boards_behave_like_missing_ids(private: Board, alice: Any, mallory: Any) -> None:
    secret = actions.task_create(board=private, by=alice, title="Secret")
    client = APIClient()
    client.force_authenticate(mallory)

    assert client.get("/api/tasks/").data["results"] == []
    for method, url in [("get", ""), ("patch", ""), ("delete", ""), ("post", "complete/")]:
        assert getattr(client, method)(f"/api/tasks/{secret.pk}/{url}").status_code == 404
        assert getattr(client, method)(f"/api/tasks/999999/{url}").status_code == 404
    created = client.post("/api/tasks/", {"title": "x", "board": private.pk}, format="json")
    assert created.status_code == 400 and "board" in created.data
    assert Task.objects.get().title == "Secret" and not Task.objects.get().completed


def test_validation_errors_are_400_with_reasons(
    api: APIClient, team: Board, private: Board, mallory: Any
) -> None:
    cases = [
        ({}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": "ok", "due_date": "tomorrow"}, "due_date"),
        ({"title": "ok", "assignee": 999999}, "assignee"),
        ({"title": "ok", "board": private.pk, "assignee": mallory.pk}, "assignee"),
    ]
    for payload, field in cases:
        response = api.post("/api/tasks/", payload, format="json")
        assert response.status_code == 400, payload
        assert field in response.data, (payload, response.data)
    assert not Task.objects.exists()


def test_moving_between_boards_is_refused(api: APIClient, team: Board, private: Board, alice: Any) -> None:
    task = actions.task_create(board=team, by=alice, title="Stay")
    response = api.patch(f"/api/tasks/{task.pk}/", {"board": private.pk}, format="json")
    assert response.status_code == 400
    assert Task.objects.get().board == team


def test_only_creator_or_manager_may_delete(team: Board, alice: Any, bob: Any) -> None:
    task = actions.task_create(board=team, by=alice, title="Alice's")
    client = APIClient()
    client.force_authenticate(bob)
    response = client.delete(f"/api/tasks/{task.pk}/")
    assert response.status_code == 403
    assert "creator or a board manager" in response.data["detail"]
    assert Task.objects.exists()


def test_schema_and_docs_are_served_locally(api: APIClient) -> None:
    schema = api.get("/api/schema/")
    assert schema.status_code == 200 and b"/api/tasks/{id}/complete/" in schema.content
    docs = api.get("/api/docs/").content.decode()
    assert "swagger-ui" in docs and "cdn" not in docs.lower()
    assert api.get("/api/redoc/").status_code == 200


@pytest.mark.parametrize("path", ["/api/schema/", "/api/docs/", "/api/redoc/"])
def test_schema_and_docs_are_for_signed_in_people_unless_made_public(
    path: str, alice: Any, settings: Any
) -> None:
    """API_DOCS_PUBLIC off (the default with DEBUG off): a stranger gets 401, a session or a
    token gets the page; on, anyone does."""
    settings.API_DOCS_PUBLIC = False
    assert APIClient().get(path).status_code == 401
    by_session = APIClient()
    by_session.force_login(alice)
    assert by_session.get(path).status_code == 200
    by_token = APIClient()
    by_token.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=alice).key}")
    assert by_token.get(path).status_code == 200
    settings.API_DOCS_PUBLIC = True
    assert APIClient().get(path).status_code == 200


def test_api_docs_are_public_by_default_only_in_debug() -> None:
    import subprocess
    import sys

    def public(debug: str) -> str:
        code = (
            "import django; django.setup(); from django.conf import settings; print(settings.API_DOCS_PUBLIC)"
        )
        env = {
            **os.environ,
            "DEBUG": debug,
            "SECRET_KEY": "x" * 50,
            "DJANGO_SETTINGS_MODULE": "dashboard.settings",
        }
        env.pop("API_DOCS_PUBLIC", None)
        return subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True
        ).stdout.strip()

    assert (public("1"), public("0")) == ("True", "False")


@pytest.mark.django_db(transaction=True)
async def test_an_api_write_reaches_a_connected_board(
    connect: Any, team: Board, alice: Any, bob: Any
) -> None:
    socket = await connect(f"/ws/boards/{team.pk}/", bob)
    await next_frame(socket, 3)

    def create_through_api() -> Any:
        client = APIClient()
        client.force_authenticate(alice)
        return client.post("/api/tasks/", {"title": "Via API"}, format="json")

    response = await database_sync_to_async(create_through_api)()

    assert response.status_code == 201
    frame = by_id(await next_frame(socket, 3))
    assert frame[f"board-{team.pk}-open"].children_ids == [f"task-{response.data['id']}"]
    assert "Via API" in frame[f"board-{team.pk}-open"].text
