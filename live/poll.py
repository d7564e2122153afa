"""Live pages without a socket: what the socket would send, over plain HTTP, while it is down.

A proxy that blocks WebSocket upgrades, or a socket that keeps failing, must not leave a page
stale. While a page's connection indicator is not "live" it holds a poller
(``live/status.html``) that asks ``GET /live/poll/?socket=<the page's ws/ path>`` at once,
every ``LIVE["POLL_INTERVAL"]`` seconds, and right after an action made over HTTP (whose
answer carries ``HX-Trigger: live-poll``: :func:`nudge`). The answer is the page's snapshot,
rendered by the page's own consumer class (``authorize()`` and ``page_state()``), so who may
see what and how each region looks is the same code as for the socket; and the indicator, in
the "polling" state. Once the socket is back, its snapshot says "live" and the poller is gone.

Pages name their socket with :func:`socket_path`, which reverses the WebSocket routes as
Django reverses URLs.
"""

from __future__ import annotations

import functools
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404
from django.urls.resolvers import RegexPattern, URLResolver
from django.utils.module_loading import import_string
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from live.registry import render_status

POLL_EVENT = "live-poll"


@functools.cache
def _routes() -> URLResolver:
    return URLResolver(RegexPattern(r"^/"), import_string(settings.LIVE["ROUTES"]))


def socket_path(name: str, **kwargs: Any) -> str:
    """The path of a named WebSocket route: ``socket_path("board-socket", board_id=3)``."""
    return "/" + _routes().reverse(name, **kwargs).lstrip("/")


def nudge(response: HttpResponse) -> HttpResponse:
    """Mark the answer to an action made over HTTP: a page that is polling asks again at once,
    so the actor sees their change without waiting (a page with its socket up ignores it)."""
    response["HX-Trigger"] = POLL_EVENT
    return response


@require_GET
@never_cache
def poll(request: HttpRequest) -> HttpResponse:
    """The page's live regions as its socket would send them on connect, and the indicator."""
    from live.consumers import REFUSALS  # (consumers import the hub; keep URL loading light)

    language = get_language()
    announce = request.GET.get("announce") == "1"  # the first poll after the socket closed
    if not request.user.is_authenticated:
        return HttpResponse(render_status(language, "signed_out", announce=True))
    try:
        match = _routes().resolve(request.GET.get("socket", ""))
    except Resolver404:
        return HttpResponse(render_status(language, "forbidden", announce=True))
    consumer_class = getattr(match.func, "consumer_class", None)
    if consumer_class is None:  # the last route, which refuses every path no page has
        return HttpResponse(render_status(language, "forbidden", announce=True))
    consumer = consumer_class()
    consumer.scope = {
        "type": "websocket",
        "path": request.GET["socket"],
        "url_route": {"args": match.args, "kwargs": match.kwargs},
        "user": request.user,
        "session_key": request.session.session_key,
        "language": language,
    }
    try:
        consumer.enter(request.user)
    except REFUSALS:
        return HttpResponse(render_status(language, "forbidden", announce=True))
    html, _seqs = consumer.page_state()
    # the indicator last: swapping it takes the poller that asked out of the page, after
    # which htmx 2 finds no more targets for the rest of the answer
    return HttpResponse(html + render_status(language, "polling", announce=announce))
