"""Session authentication for WebSocket handshakes, with Django's own ``auth.get_user()``.

It also puts the page's language in ``scope["language"]``, found as Django's
``LocaleMiddleware`` finds it for a request (the language cookie, then Accept-Language), so
a socket speaks the language of the page that opened it.

It does what channels' ``AuthMiddlewareStack`` does for a socket (read the session cookie,
load the session, resolve and verify the user, secret-key fallbacks included) but keeps
nothing alive afterwards except ``scope["user"]`` and ``scope["session_key"]``. The stack
keeps the session, a ``send()`` wrapper that runs on every frame, and four copies of the
scope for as long as the socket is open: about 6 KB and a few microseconds per frame, times
every open socket (docs/performance.md). Sockets never change the session, so none of that
is needed.
"""

from __future__ import annotations

from importlib import import_module
from types import SimpleNamespace
from typing import Any

from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib import auth
from django.http import HttpRequest
from django.http.cookie import parse_cookie
from django.utils import translation

from live import fast
from live.fast.django_sessions import DatabaseSession


def user_for_session(session_key: str | None) -> Any:
    """The user logged in with ``session_key`` (``AnonymousUser`` if none or invalid)."""
    if settings.SESSION_ENGINE == "django.contrib.sessions.backends.db" and fast.on("SESSIONS"):
        store: Any = DatabaseSession  # one plain statement for the row (live/fast/django_sessions.py)
    else:
        store = import_module(settings.SESSION_ENGINE).SessionStore
    request = SimpleNamespace(session=store(session_key))
    return auth.get_user(request)  # type: ignore[arg-type]


def language_for(cookies: dict[str, str], accept_language: str) -> str:
    """The language Django would pick for a request with these cookies and Accept-Language."""
    request = HttpRequest()
    request.COOKIES = cookies
    request.META["HTTP_ACCEPT_LANGUAGE"] = accept_language
    return translation.get_language_from_request(request)


class SessionAuthMiddleware:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        headers = scope.get("headers", ())
        cookie = b"; ".join(value for name, value in headers if name == b"cookie")
        cookies = parse_cookie(cookie.decode("latin-1"))
        accept = b",".join(value for name, value in headers if name == b"accept-language").decode("latin-1")
        session_key = cookies.get(settings.SESSION_COOKIE_NAME)
        user = await database_sync_to_async(user_for_session)(session_key)
        language = language_for(cookies, accept)
        # Added in place, not to a copy as ASGI middleware usually does: every copy stays alive
        # as long as the socket (this frame waits on the app until it closes), 1.2 KB each, and
        # nothing upstream (the origin check, the server) reads these keys.
        scope.update(user=user, session_key=session_key, language=language)
        return await self.app(scope, receive, send)
