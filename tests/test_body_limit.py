"""Request bodies over MAX_REQUEST_BYTES are refused (413) before they are read
(dashboard/body_limit.py): on the ASGI app, and on the production server (uvicorn) with a
request that declares 10 GB and sends none of it; a body that declares nothing (chunked) is
refused as soon as what arrived passes the limit, on the ASGI app and on both servers
(uvicorn, and daphne with dashboard/daphne_limit.py), logged in or not."""

from __future__ import annotations

import contextlib
import os
import select
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from asgiref.testing import ApplicationCommunicator
from django.test import Client

from chat.models import Room
from dashboard.body_limit import BodyLimit
from tests.frames import by_id


async def reached(
    app: BodyLimit, length: bytes, *headers: tuple[bytes, bytes]
) -> tuple[int, bytes, list[str], dict[bytes, bytes]]:
    """The status, body and headers a request declaring ``length`` gets, and what the inner
    app saw."""
    seen: list[str] = []

    async def inner(scope: dict[str, Any], receive: Any, send: Any) -> None:
        seen.append(scope["path"])
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    app.app = inner
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/chat/x/files/",
        "headers": [(b"content-length", length), *headers],
    }
    communicator = ApplicationCommunicator(app, scope)
    start = await communicator.receive_output(2)  # nothing of the body was sent
    body = await communicator.receive_output(2)
    return start["status"], body["body"], seen, dict(start.get("headers", []))


async def test_a_declared_body_over_the_limit_is_refused_before_the_app_sees_it() -> None:
    status, body, seen, headers = await reached(BodyLimit(None, 1000), b"1001")
    assert (status, seen, headers[b"content-type"]) == (413, [], b"text/plain; charset=utf-8")
    assert b"larger than this server accepts" in body


async def test_a_pages_htmx_request_gets_the_reason_in_its_alert_in_its_language() -> None:
    """Out of band into ``live-error`` (the page's alert region), the form left as it was."""
    status, body, _seen, headers = await reached(
        BodyLimit(None, 3 * 1024 * 1024),
        b"9999999",
        (b"hx-request", b"true"),
        (b"cookie", b"django_language=uz"),
    )
    assert (status, headers[b"hx-reswap"]) == (413, b"none")
    alert = by_id(body.decode())["live-error"]
    assert (alert.swap, alert.attrs["role"]) == ("true", "alert")
    assert alert.text == "Soʻrov bu server qabul qiladiganidan katta (3,0 MB)."  # (spaces collapsed)


async def test_bodies_up_to_the_limit_and_undeclared_ones_go_through() -> None:
    assert (await reached(BodyLimit(None, 1000), b"1000"))[:3:2] == (200, ["/chat/x/files/"])
    assert (await reached(BodyLimit(None, 1000), b"lots"))[:3:2] == (200, ["/chat/x/files/"])


@pytest.mark.parametrize("script", ["serve-prod.sh", "serve.sh"])
@pytest.mark.django_db(transaction=True)
def test_both_servers_refuse_ten_gigabytes_without_reading_them(start_server: Any, script: str) -> None:
    server = start_server(script=script, WEB_CONCURRENCY="1")
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as conn:
        conn.sendall(
            b"POST /chat/general/files/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: multipart/form-data; boundary=x\r\nContent-Length: 10737418240\r\n\r\n"
        )
        answer = b""
        while b"accepts" not in answer:
            chunk = conn.recv(4096)
            if not chunk:
                break
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b"larger than this server accepts (50.0\xc2\xa0MB)" in answer


async def test_a_chunked_body_is_refused_once_what_arrived_passes_the_limit() -> None:
    """No length declared: Django's own handler is told the client left as soon as the bytes
    pass the limit (it spools nothing more and answers nothing), and the 413 goes instead."""
    from django.core.asgi import get_asgi_application

    app = BodyLimit(get_asgi_application(), 1000)
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/accounts/login/",
        "query_string": b"",
        "headers": [(b"transfer-encoding", b"chunked"), (b"hx-request", b"true")],
    }
    communicator = ApplicationCommunicator(app, scope)
    for _ in range(3):
        await communicator.send_input({"type": "http.request", "body": b"x" * 400, "more_body": True})
    start = await communicator.receive_output(2)
    body = await communicator.receive_output(2)
    assert (start["status"], dict(start["headers"])[b"hx-reswap"]) == (413, b"none")
    assert "larger than this server accepts (1000 bytes)" in by_id(body["body"].decode())["live-error"].text
    await communicator.wait(2)  # the app is done: it read no more and sent nothing after the 413
    assert await communicator.receive_nothing()


async def test_a_body_that_stays_under_the_limit_reaches_the_app_whole() -> None:
    got: list[bytes] = []

    async def inner(scope: dict[str, Any], receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            got.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    scope = {"type": "http", "method": "POST", "path": "/x/", "headers": []}
    communicator = ApplicationCommunicator(BodyLimit(inner, 1000), scope)
    await communicator.send_input({"type": "http.request", "body": b"x" * 600, "more_body": True})
    await communicator.send_input({"type": "http.request", "body": b"x" * 400, "more_body": False})
    assert (await communicator.receive_output(2))["status"] == 200
    assert b"".join(got) == b"x" * 1000


def send_chunked_until_answered(port: int, head: bytes, most: int) -> tuple[bytes, int]:
    """POST a chunked body of 64 KiB chunks, reading between chunks, until the server answers
    (or ``most`` bytes were sent: then the body is ended and the answer read). The answer and
    how many body bytes were sent."""
    chunk = b"x" * 65536
    sent, answer = 0, b""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
        conn.sendall(head + b"Transfer-Encoding: chunked\r\n\r\n")
        try:
            while sent < most and not answer:
                conn.sendall(b"10000\r\n" + chunk + b"\r\n")
                sent += len(chunk)
                if select.select([conn], [], [], 0)[0]:
                    answer = conn.recv(65536)
            if not answer:
                conn.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed while we were still sending
        with contextlib.suppress(OSError):
            while b"\r\n\r\n" not in answer or b"accepts" not in answer:
                more = conn.recv(65536)
                if not more:
                    break
                answer += more
    return answer, sent


@pytest.mark.parametrize("script", ["serve-prod.sh", "serve.sh"])
@pytest.mark.django_db(transaction=True)
def test_both_servers_refuse_a_chunked_body_as_it_passes_the_limit(
    start_server: Any, script: str, alice: Any, team: Any
) -> None:
    """A login POST without a cookie, and a logged-in upload into the chat, each sending a
    chunked body without end: 413 once 1 MB arrived, long before the 64 MB the client would
    send (without the limit the server read all 64 MB, then answered 403 and 422)."""
    server = start_server(
        script=script, WEB_CONCURRENCY="1", MAX_REQUEST_BYTES="1000000", CHAT_MAX_UPLOAD_BYTES="500000"
    )
    login = b"POST /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
    client = Client()
    client.force_login(alice)
    cookies = f"sessionid={client.cookies['sessionid'].value}; csrftoken={'a' * 32}".encode()
    upload = (
        b"POST /chat/"
        + Room.objects.get(board=team).slug.encode()
        + b"/files/ HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: "
        + cookies
        + b"\r\n"
        b"X-CSRFToken: " + b"a" * 32 + b"\r\nHX-Request: true\r\n"
        b"Content-Type: multipart/form-data; boundary=x\r\n"
    )
    for head in (login, upload):
        answer, sent = send_chunked_until_answered(server.port, head, 64 * 1024 * 1024)
        assert answer.startswith(b"HTTP/1.1 413"), answer[:300]
        assert b"larger than this server accepts" in answer
        assert sent < 32 * 1024 * 1024, sent


def test_a_limit_below_the_chats_own_upload_limit_is_refused_at_start() -> None:
    env = {
        **os.environ,
        "MAX_REQUEST_BYTES": "1000",
        "CHAT_MAX_UPLOAD_BYTES": "2000",
        "DJANGO_SETTINGS_MODULE": "dashboard.settings",
    }
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=Path(__file__).resolve().parents[1],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0 and "MAX_REQUEST_BYTES must be larger" in result.stderr
