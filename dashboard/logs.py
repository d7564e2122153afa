"""What each log line says about where it came from: a request id on every line logged while
a request is handled, the route and user id on every line logged by a socket's own code.

- ``RequestIdMiddleware`` takes the proxy's ``X-Request-ID`` (nginx: ``$request_id``) or
  makes one, sends it back in the response, and logs the request (logger ``requests``, INFO:
  method, path, status, duration, user id);
- ``SocketLog`` (ASGI, in front of the WebSocket stack) keeps the socket's scope for its
  task, and logs its opening and closing (logger ``sockets``, INFO);
- ``ContextFilter`` copies both onto every record, so the JSON formatter (``LOG_FORMAT=json``,
  settings.LOGGING) prints them as ``request_id``, ``route`` and ``user_id``.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from contextvars import ContextVar
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.utils.functional import LazyObject, empty

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
socket_scope: ContextVar[dict[str, Any] | None] = ContextVar("socket_scope", default=None)

_ACCEPTABLE_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")
socket_logger = logging.getLogger("sockets")
request_logger = logging.getLogger("requests")


class ContextFilter(logging.Filter):
    """Adds ``request_id``, and ``route`` and ``user_id`` inside a socket, to each record."""

    def filter(self, record: logging.LogRecord) -> bool:
        rid = request_id.get()
        if rid is not None:
            record.request_id = rid
        scope = socket_scope.get()
        if scope is not None:
            record.route = scope.get("path")
            user = scope.get("user")
            record.user_id = user.pk if user is not None and user.is_authenticated else None
        return True


class RequestIdMiddleware:
    """Every request gets an id (the proxy's ``X-Request-ID`` if it is a sane one), on its log
    lines and in its response's ``X-Request-ID``."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def __call__(self, request: Any) -> Any:
        # The id is not reset afterwards: Django logs the response ("Not Found: ...") after the
        # middleware has returned. Under ASGI each request runs in a task of its own (the
        # middleware chain in a copy of its context, copied back), so it never leaks to another.
        if iscoroutinefunction(self):
            return self._acall(request)
        started = time.perf_counter()
        request_id.set(self._id(request))
        return self._done(request, self.get_response(request), started)

    async def _acall(self, request: Any) -> Any:
        started = time.perf_counter()
        request_id.set(self._id(request))
        return self._done(request, await self.get_response(request), started)

    @staticmethod
    def _id(request: Any) -> str:
        given = request.headers.get("X-Request-ID", "")
        return given if _ACCEPTABLE_ID.fullmatch(given) else uuid.uuid4().hex

    @staticmethod
    def _done(request: Any, response: Any, started: float) -> Any:
        """The id in the response, and a line in the access log (ACCESS_LOG=1)."""
        response["X-Request-ID"] = request_id.get()
        if request_logger.isEnabledFor(logging.INFO):
            user = _known_user(request)
            request_logger.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    "user_id": user.pk if user is not None and user.is_authenticated else None,
                },
            )
        return response


def _known_user(request: Any) -> Any:
    """The request's user if something looked it up already (never a query here: this runs
    on the event loop too)."""
    user = request.__dict__.get("_cached_user") or request.__dict__.get("user")
    if isinstance(user, LazyObject):
        user = None if user._wrapped is empty else user._wrapped
    return user


class SocketLog:
    """ASGI middleware for WebSockets: the socket's scope in a context variable for the whole
    of its task (the consumer runs in it), and one log line when it opens and one when it
    ends (or is refused before any consumer: live/refusals.py counts those)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        token = socket_scope.set(scope)
        watched = _WatchedSend(send)

        async def watched_receive() -> dict[str, Any]:
            message = await receive()
            if message["type"] == "websocket.disconnect" and watched.accepted and not watched.ended:
                socket_logger.info("socket closed (%s)", message.get("code", 1005))
            return message

        try:
            return await self.app(scope, watched_receive, watched)
        finally:
            socket_scope.reset(token)


class _WatchedSend:
    """The server's ``send``, noting the accept and the close. It keeps the ``__self__`` of the
    server's bound method, so that live/wire.py still finds the connection behind it and
    writes each fan-out frame, encoded once, straight to it (past this wrapper)."""

    def __init__(self, send: Any) -> None:
        self.send = send
        self.__self__ = getattr(send, "__self__", None)
        self.accepted = self.ended = False

    async def __call__(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        if kind == "websocket.accept":
            self.accepted = True
            socket_logger.info("socket opened")
        elif kind == "websocket.close":
            self.ended = True
            if self.accepted:
                socket_logger.info("socket closed by the server (%s)", message.get("code", 1000))
            else:  # live/refusals.py counted it, with its reason
                socket_logger.info("handshake refused (403)")
        await self.send(message)
