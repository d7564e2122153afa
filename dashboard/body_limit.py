"""The largest HTTP request body the server accepts at all (``MAX_REQUEST_BYTES``).

Django's ASGI handler reads a request's whole body (into a temporary file past 2.5 MB) before
any view can look at its size, so a view can only refuse an oversized upload after it has
arrived: a 10 GB "file" would fill the disk first. This refuses a request that declares a
body over the limit with 413 before a byte of it is read, like a proxy's
``client_max_body_size``. Files over the chat's own limit (``CHAT_MAX_UPLOAD_BYTES``) but
under this one still get the form's inline error.

A page's htmx request gets the reason in the page's alert region (``live-error``, swapped out
of band, ``HX-Reswap: none`` leaving the form as it was), in the page's language; anything
else gets it as plain text.
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
        if scope["type"] != "http" or self._declared(scope) <= self.limit:
            return await self.app(scope, receive, send)
        headers = {name: value.decode("latin-1") for name, value in scope["headers"]}
        with translation.override(
            language_for(parse_cookie(headers.get(b"cookie", "")), headers.get(b"accept-language", ""))
        ):
            message = gettext("The request is larger than this server accepts (%(size)s).") % {
                "size": filesizeformat(self.limit)
            }
            if headers.get(b"hx-request") == "true":
                body = render_to_string("live/error.html", {"message": message, "oob": True})
                kind, extra = b"text/html; charset=utf-8", [(b"hx-reswap", b"none")]
            else:
                body, kind, extra = message, b"text/plain; charset=utf-8", []
        start = {"type": "http.response.start", "status": 413}
        start["headers"] = [(b"content-type", kind), (b"connection", b"close"), *extra]
        await send(start)
        await send({"type": "http.response.body", "body": body.encode()})
        return None

    @staticmethod
    def _declared(scope: dict[str, Any]) -> int:
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                return int(value) if value.isdigit() else 0
        return 0
