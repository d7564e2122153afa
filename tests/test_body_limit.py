"""Request bodies over MAX_REQUEST_BYTES are refused (413) before they are read
(dashboard/body_limit.py): on the ASGI app, and on the production server (uvicorn) with a
request that declares 10 GB and sends none of it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from asgiref.testing import ApplicationCommunicator

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


@pytest.mark.django_db(transaction=True)
def test_the_production_server_refuses_ten_gigabytes_without_reading_them(start_server: Any) -> None:
    server = start_server(script="serve-prod.sh", WEB_CONCURRENCY="1")
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
