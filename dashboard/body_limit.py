"""The largest HTTP request body the server accepts at all (``MAX_REQUEST_BYTES``).

Django's ASGI handler reads a request's whole body (into a temporary file past 2.5 MB) before
any view can look at its size, so a view can only refuse an oversized upload after it has
arrived: a 10 GB "file" would fill the disk first. This refuses a request that declares a
body over the limit with 413 before a byte of it is read, like a proxy's
``client_max_body_size``. Files over the chat's own limit (``CHAT_MAX_UPLOAD_BYTES``) but
under this one still get the form's inline error.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext


class BodyLimit:
    def __init__(self, app: Any, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if scope["type"] == "http" and self._declared(scope) > self.limit:
            body = gettext("The request is larger than this server accepts (%(mb)d MB).") % {
                "mb": self.limit // (1024 * 1024)
            }
            await send(
                {
                    "type": "http.response.start",
                    "status": 413,
                    "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"connection", b"close")],
                }
            )
            await send({"type": "http.response.body", "body": body.encode()})
            return None
        return await self.app(scope, receive, send)

    @staticmethod
    def _declared(scope: dict[str, Any]) -> int:
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                return int(value) if value.isdigit() else 0
        return 0
