"""Shared fixtures: a named cast of users, a capture of published events, and sockets
connected through the real ASGI stack (origin check, session auth, routing)."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from live import caps, periodic, publish, ratelimit, stats
from live.cache import LRU
from live.hub import Hub
from tasks.models import Board, Membership, Role
from tests.servers import start_server  # noqa: F401  (a fixture: a real daphne process)

ORIGIN = (b"origin", b"http://localhost")  # with Host: localhost, what a browser on http://localhost/ sends


def _fresh_asgiref_executor_after_fork() -> None:
    """The live-server tests fork a daphne process. If an async test ran earlier, the child
    inherits asgiref's single-thread executor without its thread and every database call in
    the child hangs; give the child a fresh one."""
    from asgiref.sync import SyncToAsync

    SyncToAsync.single_thread_executor = ThreadPoolExecutor(max_workers=1)


os.register_at_fork(after_in_child=_fresh_asgiref_executor_after_fork)

# Neither this process nor the servers the tests start send the morning reminder by themselves
# (it would add notifications to every test with a task due today); the tests of the reminder
# turn it on where it is the point.
os.environ["REMINDERS_IN_PROCESS"] = "0"
periodic.jobs.pop("due-today reminder", None)

# The suite calls the API far faster than any client should (the load and fault tests most of
# all): the API's request limits are raised for it, here and in the servers it starts (they
# inherit this environment). tests/test_throttles.py tests the limits at their defaults.
SUITE_LIMITS = {
    "API_RATE_ANON": "10000/second",
    "API_RATE_USER": "10000/second",
    "API_RATE_BAD_TOKEN": "10000/second",
}
os.environ.update(SUITE_LIMITS)


def pytest_report_header(config: Any) -> str:
    from django.conf import settings

    off = [
        name for name in ("UVICORN", "ORM", "SESSIONS", "CHANNELS_REDIS") if not settings.LIVE[f"FAST_{name}"]
    ]
    return f"live fast paths off (plain public paths): {', '.join(off)}" if off else "live fast paths: all on"


@pytest.fixture(autouse=True)
def _suite_limits(settings: Any) -> Iterator[None]:
    """The raised API limits, and no counts (failed sign-ins, API calls) left from a test before."""
    from django.core.cache import caches
    from django.core.cache.backends.locmem import LocMemCache

    for name, value in SUITE_LIMITS.items():
        setattr(settings, name, value)
    if isinstance(caches["default"], LocMemCache):  # (a Redis cache's clear() would empty its database)
        caches["default"].clear()
    yield


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None) -> None:
    """No persistent connections in the test process: the worker threads of async tests would
    keep the test database open past its teardown. (Servers the tests start keep theirs.)"""
    from django.conf import settings

    settings.DATABASES["default"]["CONN_MAX_AGE"] = 0


@pytest.fixture(scope="session", autouse=True)
def _media_of_our_own(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Files shared in tests go to a folder of the run's own (the servers the tests start
    inherit it), never to the project's media/."""
    from django.conf import settings

    media = tmp_path_factory.mktemp("media")
    os.environ["MEDIA_ROOT"] = str(media)
    settings.MEDIA_ROOT = media


@pytest.fixture(autouse=True)
def _fresh_stats_and_caches() -> Iterator[None]:
    stats.reset()
    caps.reset()
    ratelimit._users_actions.clear()
    LRU.clear_all()
    publish._hurry_until = 0.0  # a layer that failed in an earlier test is not this one's
    yield


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- people and boards ----------------------------------------------------------------------


@pytest.fixture
def make_user(django_user_model: Any) -> Callable[..., Any]:
    def make(username: str, **extra: Any) -> Any:
        first = extra.pop("first_name", username.capitalize())
        return django_user_model.objects.create_user(
            username=username, password="pw-123456!", first_name=first, **extra
        )

    return make


@pytest.fixture
def team(db: Any) -> Board:
    """The default open board (created by a migration; transactional tests flush it)."""
    board, _ = Board.objects.get_or_create(is_default=True, defaults={"name": "Team board", "slug": "team"})
    return board


@pytest.fixture
def alice(make_user: Callable[..., Any]) -> Any:
    """A member of the team board."""
    return make_user("alice")


@pytest.fixture
def bob(make_user: Callable[..., Any]) -> Any:
    """Another member of the team board."""
    return make_user("bob")


@pytest.fixture
def manager(make_user: Callable[..., Any], team: Board) -> Any:
    user = make_user("maya", first_name="Maya")
    Membership.objects.create(board=team, user=user, role=Role.MANAGER)
    return user


@pytest.fixture
def private(team: Board, alice: Any) -> Board:
    """A restricted board with alice as its only member."""
    board = Board.objects.create(name="Private", slug="private", is_restricted=True)
    Membership.objects.create(board=board, user=alice, role=Role.MEMBER)
    return board


@pytest.fixture
def mallory(make_user: Callable[..., Any]) -> Any:
    """Logged in, but on no restricted board."""
    return make_user("mallory")


# --- what left a write ----------------------------------------------------------------------


@pytest.fixture
def published(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, Any]]]:
    """Every event sent to the channel layer, as (topic, event), after commit."""
    sent: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr("live.publish.send_now", lambda topic, event: sent.append((topic, event)))
    return sent


# --- sockets --------------------------------------------------------------------------------


def session_cookie(user: Any) -> bytes:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


@pytest.fixture
async def connect() -> AsyncIterator[Callable[..., Any]]:
    """``await connect(path, user)`` -> a connected WebsocketCommunicator (user None: anonymous).
    Every socket is closed and the hub stopped after the test."""
    opened: list[WebsocketCommunicator] = []

    async def open_socket(
        path: str,
        user: Any = None,
        *,
        origin: tuple[bytes, bytes] | None = ORIGIN,
        host: bytes | None = b"localhost",
        scheme: str = "ws",
        headers: list[tuple[bytes, bytes]] | None = None,
    ) -> Any:
        from dashboard.asgi import application

        headers = [*([(b"host", host)] if host else []), *([origin] if origin else []), *(headers or [])]
        if user is not None:
            headers.append((b"cookie", await database_sync_to_async(session_cookie)(user)))
        communicator = WebsocketCommunicator(application, path, headers=headers)
        communicator.scope["scheme"] = scheme
        opened.append(communicator)
        communicator.connected, communicator.subprotocol = await communicator.connect()
        return communicator

    yield open_socket
    for communicator in opened:
        # some were closed by the server already, or cancelled by a receive that timed out
        with contextlib.suppress(Exception, asyncio.CancelledError):
            await communicator.disconnect()
    await Hub.stop_current()


async def presence_settled(topic: str, user_ids: set[int], timeout: float = 5) -> None:
    """Wait until this process's hub shows ``user_ids`` here on ``topic`` with nothing left to
    announce: tests that count renders per event start after "who is here" has settled."""
    hub = await Hub.current()
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        shown = set(hub.here.states.get(topic, {}))
        if user_ids <= shown and hub.here.settled():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"presence on {topic} did not settle on {user_ids}")


@pytest.fixture
def own_redis() -> Iterator[Any]:
    """A redis-server of the test's own on a free port (never the shared one): it may be killed."""
    from tests.faultkit import Missing, RedisProcess
    from tests.services import unavailable

    try:
        redis = RedisProcess()
    except Missing as exc:
        unavailable(str(exc))
    try:
        yield redis
    finally:
        redis.stop()
