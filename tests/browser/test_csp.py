"""The pages that are not the app's own (API docs, admin) work under the Content-Security-
Policy too, and no page fetches anything from another site."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import open_as, shot

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("path", "ready"),
    [
        ("/api/docs/", ".swagger-ui .info .title"),
        ("/api/redoc/", "h1"),
        ("/admin/", "#site-name"),
        ("/admin/tasks/task/add/", "#task_form"),
    ],
)
def test_docs_and_admin_work_under_the_csp_and_load_nothing_from_elsewhere(
    browser: Any, start_server: Any, team: Any, make_user: Any, path: str, ready: str
) -> None:
    admin = make_user("root", is_staff=True, is_superuser=True)
    server = start_server()
    fetched_elsewhere: list[str] = []
    page = open_as(browser, server, admin, "/")
    page.on(
        "requestfinished",
        lambda request: (
            fetched_elsewhere.append(request.url)
            if not request.url.startswith((server.url, "blob:", "data:"))
            else None
        ),
    )
    failed: list[str] = []
    page.on("response", lambda response: failed.append(response.url) if response.status >= 400 else None)
    response = page.goto(server.url + path)

    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(page.locator(ready).first).to_be_visible(timeout=10_000)
    expect(page.locator(ready).first).to_contain_text("API" if "api" in path else "")
    shot(page, "csp" + path.replace("/", "-").rstrip("-"))
    assert fetched_elsewhere == []
    assert failed == []
    assert page.errors == []  # Redoc's logo from cdn.redoc.ly no longer asked for (dashboard/redoc.py)
