"""Who gets a socket: the session cookie, checked with Django's own get_user()."""

from __future__ import annotations

from typing import Any

import pytest
from channels.db import database_sync_to_async

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
