"""The largest HTTP request body the server accepts at all (``MAX_REQUEST_BYTES``).

Django's ASGI handler reads a request's whole body (into a temporary file past 2.5 MB) before
any view can look at its size, so a view can only refuse an oversized upload after it has
arrived: a 10 GB "file" would fill the disk first. This refuses, with 413, like a proxy's
``client_max_body_size``:

- a request that declares a body over the limit (``Content-Length``), before a byte of it is
  read;
- any other request (``Transfer-Encoding: chunked``, or a length that lies) as soon as the
  bytes that arrived pass the limit, whatever the headers say: the app's ``receive`` is
  counted, and past the limit the app is told the client left (Django then drops what it
  spooled and answers nothing), and the 413 is sent in its place.

Files over the chat's own limit (``CHAT_MAX_UPLOAD_BYTES``) but under this one still get the
form's inline error.

A page's htmx request gets the reason in the page's alert region (``live-error``, swapped out
of band, ``HX-Reswap: none`` leaving the form as it was), in the page's language; anything
else gets it as plain text.

The server under the app must hand the body over as it arrives: uvicorn
(scripts/serve-prod.sh) does; daphne's HTTP layer (Twisted) reads a whole body before the
app sees any of it, so scripts/serve.sh runs daphne with the same limit applied as the bytes
arrive (dashboard/daphne_limit.py).
"""

from __future__ import annotations

from typing import Any

from django.http.cookie import parse_cookie
from django.template.defaultfilters import filesizeformat
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext

from live.auth import language_for


class BodyLimit:
    def __init__(self, app: Any, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        if self._declared(scope) > self.limit:
            return await send_refusal(scope, send, self.limit)
        arrived, refused, started = 0, False, False

        async def counted() -> dict[str, Any]:
            nonlocal arrived, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                arrived += len(message.get("body", b""))
                if arrived > self.limit:
                    refused = True
                    if not started:
                        await send_refusal(scope, send, self.limit)
                    return {"type": "http.disconnect"}
            return message

        async def guarded(message: dict[str, Any]) -> None:
            nonlocal started
            if refused:
                return  # the 413 went in the app's place
            started = True
            await send(message)

        return await self.app(scope, counted, guarded)

    @staticmethod
    def _declared(scope: dict[str, Any]) -> int:
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                return int(value) if value.isdigit() else 0
        return 0


def refusal(headers: dict[bytes, str], limit: int) -> tuple[bytes, list[tuple[bytes, bytes]]]:
    """The 413's body and headers for a request with these (lower-cased) headers."""
    with translation.override(
        language_for(parse_cookie(headers.get(b"cookie", "")), headers.get(b"accept-language", ""))
    ):
        message = gettext("The request is larger than this server accepts (%(size)s).") % {
            "size": filesizeformat(limit)
        }
        if headers.get(b"hx-request") == "true":
            body = render_to_string("live/error.html", {"message": message, "oob": True})
            kind, extra = b"text/html; charset=utf-8", [(b"hx-reswap", b"none")]
        else:
            body, kind, extra = message, b"text/plain; charset=utf-8", []
    return body.encode(), [(b"content-type", kind), (b"connection", b"close"), *extra]


async def send_refusal(scope: dict[str, Any], send: Any, limit: int) -> None:
    headers = {name.lower(): value.decode("latin-1") for name, value in scope["headers"]}
    body, response_headers = refusal(headers, limit)
    await send({"type": "http.response.start", "status": 413, "headers": response_headers})
    await send({"type": "http.response.body", "body": body})
