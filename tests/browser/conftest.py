"""Debian's Chromium driven by Playwright, against the real daphne server of tests/servers.py."""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connections
from django.test import Client

from tests.servers import ROOT, Server
from tests.services import chromium

# Every browser test saves screenshots of its steps under tests/artifacts/screenshots/;
# UPDATE_SCREENSHOTS=1 writes them to docs/screenshots/ instead, where the README uses them.
SCREENSHOTS = ROOT / ("docs" if os.environ.get("UPDATE_SCREENSHOTS") else "tests/artifacts") / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(params=[2, 4], ids=["htmx2", "htmx4"])
def start_server(request: pytest.FixtureRequest, start_server: Any) -> Any:
    """The servers of tests/servers.py, serving pages on htmx 2 and, once more, on htmx 4
    (LIVE_HTMX): every browser test runs on both builds that django-htmx ships."""

    def start(*args: Any, **env: str) -> Any:
        return start_server(*args, **{"LIVE_HTMX": str(request.param), **env})

    return start


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    executable = chromium()
    # Playwright's sync API runs an event loop in this thread; the test body's ORM calls are
    # still plain sync code, so tell Django that is fine for the length of the test.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def open_as(
    browser: Any,
    server: Server,
    user: Any,
    path: str,
    *,
    width: int = 1440,
    height: int = 900,
    language: str | None = None,
) -> Any:
    """A new browser context logged in as ``user`` (session cookie, and the language cookie
    when ``language`` is given), on ``path``."""
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport={"width": width, "height": height})
    cookies = [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": server.url}]
    if language:
        cookies.append({"name": "django_language", "value": language, "url": server.url})
    context.add_cookies(cookies)
    page = context.new_page()
    page.errors = []
    page.on("console", lambda message: page.errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.goto(server.url + path)
    return page


def off_the_loop(function: Any, *args: Any, **kwargs: Any) -> Any:
    """Run a write path in a plain thread: Playwright's event loop owns the test's thread, and
    a write's after-commit publish (``async_to_sync``) refuses to run inside a running loop."""

    def run() -> Any:
        try:
            return function(*args, **kwargs)
        finally:
            connections.close_all()  # the thread's own connection: leave none open at teardown

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


def shot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    # caret="initial": hiding the caret would inject a <style>, which the CSP rightly blocks
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True, caret="initial")


@pytest.fixture
def htmx_version(request: pytest.FixtureRequest) -> int:
    """The htmx build the test's pages run (the ``start_server`` parameter above)."""
    return request.node.callspec.params.get("start_server", 2)
