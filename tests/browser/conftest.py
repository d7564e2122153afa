"""A real daphne server (scripts/serve.sh, as the README runs it) on the test database, and
Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from tests.services import chromium, database_url

ROOT = Path(__file__).resolve().parents[2]
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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, env: dict[str, str], port: int | None = None) -> None:
        self.port = port or _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        full_env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "DEBUG": "1",
            "LIVE_LOG_LEVEL": "WARNING",
            "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
            **env,
        }
        if "REDIS_URL" not in env:
            full_env.pop("REDIS_URL", None)
        self.log = open(ROOT / "tests" / "artifacts" / f"daphne-{self.port}.log", "w")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(
            [str(ROOT / "scripts" / "serve.sh"), "127.0.0.1", str(self.port)],
            cwd=ROOT,
            env=full_env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"daphne did not start; see {self.log.name}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


@pytest.fixture
def start_server(transactional_db: Any) -> Iterator[Callable[..., Server]]:
    (ROOT / "tests" / "artifacts").mkdir(parents=True, exist_ok=True)
    servers: list[Server] = []

    def start(port: int | None = None, **env: str) -> Server:
        server = Server(env, port)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


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
    browser: Any, server: Server, user: Any, path: str, *, width: int = 1440, height: int = 900
) -> Any:
    """A new browser context logged in as ``user`` (session cookie), on ``path``."""
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport={"width": width, "height": height})
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": server.url}]
    )
    page = context.new_page()
    page.errors = []
    page.on("console", lambda message: page.errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.goto(server.url + path)
    return page


def shot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
