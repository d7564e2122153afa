"""Who gets a socket and keeps it: our own origin only, the session cookie checked with
Django's own get_user() at the handshake, and the socket ending with its session."""

from __future__ import annotations

import asyncio
import contextlib
import time
from datetime import timedelta
from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from live.protocol import CloseCode
from tests.conftest import session_cookie
from tests.frames import by_id, next_frame

pytestmark = pytest.mark.django_db(transaction=True)
db = database_sync_to_async


async def first_state(socket: Any) -> str:
    return by_id(await next_frame(socket, 3))["live-status"].attrs["data-state"]


async def test_a_valid_session_gets_the_board(connect: Any, team: Any, alice: Any) -> None:
    socket = await connect(
        f"/ws/boards/{team.pk}/", headers=[(b"cookie", b"theme=dark; " + await db(session_cookie)(alice))]
    )
    assert await first_state(socket) == "live"


async def test_the_session_cookie_may_come_in_a_second_cookie_header(
    connect: Any, team: Any, alice: Any
) -> None:
    socket = await connect(
        f"/ws/boards/{team.pk}/",
        headers=[(b"cookie", b"theme=dark"), (b"cookie", await db(session_cookie)(alice))],
    )
    assert await first_state(socket) == "live"


@pytest.mark.parametrize("cookie", [b"", b"sessionid=forged", b"sessionid=", b"\xff\xfe=;;"])
async def test_no_or_a_forged_session_is_closed_4401(connect: Any, team: Any, cookie: bytes) -> None:
    socket = await connect(f"/ws/boards/{team.pk}/", headers=[(b"cookie", cookie)] if cookie else [])
    assert await first_state(socket) == "signed_out"
    assert (await socket.receive_output(timeout=2))["code"] == CloseCode.UNAUTHENTICATED


async def test_a_changed_password_ends_the_session_for_sockets_too(
    connect: Any, team: Any, alice: Any
) -> None:
    cookie = await db(session_cookie)(alice)

    def change_password() -> None:
        alice.set_password("a-new-password-42")
        alice.save()

    await db(change_password)()
    socket = await connect(f"/ws/boards/{team.pk}/", headers=[(b"cookie", cookie)])

    assert await first_state(socket) == "signed_out"


async def test_a_deactivated_user_gets_no_socket(connect: Any, team: Any, alice: Any) -> None:
    cookie = await db(session_cookie)(alice)

    def deactivate() -> None:
        alice.is_active = False
        alice.save()

    await db(deactivate)()
    socket = await connect(f"/ws/boards/{team.pk}/", headers=[(b"cookie", cookie)])

    assert await first_state(socket) == "signed_out"


# --- cross-site WebSocket hijacking: the origin matrix ----------------------------------------

OWN = b"http://localhost"


@pytest.mark.parametrize(
    ("origin", "host", "scheme"),
    [
        (None, b"localhost", "ws"),  # no Origin header at all
        (b"null", b"localhost", "ws"),  # sandboxed frames, file: pages
        (b"http://evil.example", b"localhost", "ws"),  # another site
        (b"http://app.localhost", b"localhost", "ws"),  # a sibling subdomain
        (b"https://localhost", b"localhost", "ws"),  # the other scheme
        (b"http://localhost", b"localhost", "wss"),  # ...seen from the other side
        (b"http://localhost:8443", b"localhost", "ws"),  # another port on our host
        (b"http://LOCALHOST", b"localhost", "ws"),  # not byte-for-byte ours
        (b"http://localhost.", b"localhost", "ws"),  # trailing dot
        (b"http://localhost@evil.example", b"localhost", "ws"),  # userinfo trick
        (b"http://evil.example", b"evil.example", "ws"),  # Host not in ALLOWED_HOSTS
        (OWN, None, "ws"),  # no Host header
    ],
)
async def test_only_our_own_origin_gets_a_socket(
    connect: Any, team: Any, alice: Any, origin: bytes | None, host: bytes | None, scheme: str
) -> None:
    socket = await connect(
        f"/ws/boards/{team.pk}/",
        alice,
        origin=(b"origin", origin) if origin is not None else None,
        host=host,
        scheme=scheme,
    )
    assert socket.connected is False  # refused at the handshake (HTTP 403): no socket, no data
    assert await socket.receive_nothing(0.2)


@pytest.mark.parametrize(
    ("origin", "host", "scheme"),
    [
        (OWN, b"localhost", "ws"),
        (b"http://127.0.0.1:8000", b"127.0.0.1:8000", "ws"),
        (b"https://localhost", b"localhost", "wss"),
    ],
)
async def test_our_own_pages_get_their_socket(
    connect: Any, team: Any, alice: Any, origin: bytes, host: bytes, scheme: str
) -> None:
    socket = await connect(
        f"/ws/boards/{team.pk}/", alice, origin=(b"origin", origin), host=host, scheme=scheme
    )
    assert await first_state(socket) == "live"


async def test_behind_a_tls_proxy_the_forwarded_scheme_counts(
    connect: Any, team: Any, alice: Any, settings: Any
) -> None:
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    proxied = [(b"x-forwarded-proto", b"https")]
    good = await connect(
        f"/ws/boards/{team.pk}/", alice, origin=(b"origin", b"https://localhost"), headers=proxied
    )
    plain = await connect(f"/ws/boards/{team.pk}/", alice, origin=(b"origin", OWN), headers=proxied)
    assert await first_state(good) == "live"
    assert plain.connected is False


async def test_a_trusted_origin_from_csrf_trusted_origins(
    connect: Any, team: Any, alice: Any, settings: Any
) -> None:
    settings.CSRF_TRUSTED_ORIGINS = ["https://*.example.com"]
    trusted = await connect(f"/ws/boards/{team.pk}/", alice, origin=(b"origin", b"https://board.example.com"))
    other = await connect(f"/ws/boards/{team.pk}/", alice, origin=(b"origin", b"http://board.example.com"))
    assert await first_state(trusted) == "live"
    assert other.connected is False


# --- open sockets end with their session -------------------------------------------------------


async def closed_within(socket: Any, seconds: float) -> tuple[int, float, list[str]]:
    """Read until the server closes ``socket``: (close code, seconds it took, frames before)."""
    started, frames = time.monotonic(), []
    while True:
        left = seconds - (time.monotonic() - started)
        assert left > 0, f"still open after {seconds} s"
        output = await socket.receive_output(timeout=left)
        if output["type"] == "websocket.close":
            return output["code"], time.monotonic() - started, frames
        frames.append(output.get("text", ""))


async def still_open(socket: Any, seconds: float) -> bool:
    """Nothing in ``seconds`` closes ``socket`` or tells it it is signed out (a heartbeat of
    the connection indicator may come meanwhile: it says "live")."""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        try:
            output = await socket.receive_output(timeout=left)
        except TimeoutError:
            return True
        if output["type"] == "websocket.close" or 'data-state="signed_out"' in output.get("text", ""):
            return False
    return True


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


async def open_with(connect: Any, path: str, client: Client) -> Any:
    socket = await connect(
        path, headers=[(b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())]
    )
    assert await first_state(socket) == "live"
    return socket


async def test_logging_out_closes_that_sessions_other_tabs_at_once_and_no_other_session(
    connect: Any, team: Any, alice: Any
) -> None:
    laptop, phone = await db(login)(alice), await db(login)(alice)
    board_tab = await open_with(connect, f"/ws/boards/{team.pk}/", laptop)
    home_tab = await open_with(connect, "/ws/tasks/", laptop)
    on_phone = await open_with(connect, f"/ws/boards/{team.pk}/", phone)

    response = await db(laptop.post)("/accounts/logout/")
    assert response.status_code == 302

    for tab in (board_tab, home_tab):
        code, took, frames = await closed_within(tab, 2)
        assert code == CloseCode.UNAUTHENTICATED
        assert by_id(frames[-1])["live-status"].attrs["data-state"] == "signed_out"
        print(f"logout closed a tab of that session in {took * 1000:.0f} ms")
    await db(phone.get)("/")  # the phone's session is untouched and its socket still lives
    assert await still_open(on_phone, 0.5)


@pytest.mark.parametrize("change", ["deactivated", "password changed"])
async def test_saving_the_user_ends_sockets_that_no_longer_sign_in_at_once(
    connect: Any, team: Any, alice: Any, change: str
) -> None:
    socket = await open_with(connect, f"/ws/boards/{team.pk}/", await db(login)(alice))

    def save() -> None:
        if change == "deactivated":
            alice.is_active = False
        else:
            alice.set_password("a-new-password-42")
        alice.save()

    await db(save)()
    code, took, _ = await closed_within(socket, 2)
    assert code == CloseCode.UNAUTHENTICATED
    print(f"{change}: socket closed in {took * 1000:.0f} ms")


@pytest.mark.parametrize("change", ["expired", "deleted", "deactivated by update()"])
async def test_the_periodic_check_ends_what_no_signal_reports(
    connect: Any, team: Any, alice: Any, bob: Any, settings: Any, change: str
) -> None:
    """An expired session, a deleted session row, a user changed with QuerySet.update(): the
    hub's session check (every LIVE_SESSION_CHECK s; 1 s here) closes the socket; bob's stays."""
    settings.LIVE = {**settings.LIVE, "SESSION_CHECK": 1}
    alices_client = await db(login)(alice)
    socket = await open_with(connect, f"/ws/boards/{team.pk}/", alices_client)
    bobs = await open_with(connect, f"/ws/boards/{team.pk}/", await db(login)(bob))
    key = alices_client.cookies["sessionid"].value

    def change_it() -> None:
        sessions = Session.objects.filter(session_key=key)
        if change == "expired":
            sessions.update(expire_date=timezone.now() - timedelta(seconds=1))
        elif change == "deleted":
            sessions.delete()
        else:
            get_user_model().objects.filter(pk=alice.pk).update(is_active=False)

    await db(change_it)()
    code, took, _ = await closed_within(socket, 5)
    assert code == CloseCode.UNAUTHENTICATED
    print(f"{change}: socket closed by the periodic check in {took:.1f} s")
    frames = []
    with contextlib.suppress(asyncio.TimeoutError):
        while True:
            frames.append(await bobs.receive_output(timeout=1.5))
    assert all(frame["type"] == "websocket.send" for frame in frames)  # bob's socket lives on


@pytest.mark.parametrize("fast", [True, False], ids=["plain-sql", "session-store"])
@pytest.mark.parametrize("case", ["valid", "expired", "unknown", "malformed", "none"])
def test_the_handshakes_session_read_agrees_with_djangos_own(
    alice: Any, case: str, fast: bool, settings: Any
) -> None:
    """live/auth.py reads the session row with plain SQL on the hot path
    (live/fast/django_sessions.py), or with Django's SessionStore when LIVE_FAST_SESSIONS is
    off: for every kind of key it signs in exactly whom Django's database session store would."""
    settings.LIVE = {**settings.LIVE, "FAST_SESSIONS": fast}
    from django.contrib import auth
    from django.contrib.sessions.backends.db import SessionStore

    from live.auth import user_for_session

    client = login(alice)
    key = client.cookies["sessionid"].value
    if case == "expired":
        Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(seconds=1))
    key = {"unknown": "x" * 32, "malformed": "../../etc", "none": None}.get(case, key)

    class Request:
        session = SessionStore(key)

    assert user_for_session(key) == auth.get_user(Request())  # type: ignore[arg-type]
    assert (user_for_session(key).pk == alice.pk) is (case == "valid")
