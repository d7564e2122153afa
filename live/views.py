from __future__ import annotations

import os

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers, patch_cache_control, patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from live import ops, stats
from live.hub import hub_census, local_reports

# How long the browser may keep the two answers a page needs while the server is down (the
# "reconnecting" indicator and the "could not be reached" alert). Each page prefetches them
# (templates/base.html), so when its socket closes or an action fails because the server is
# gone, htmx gets them from the browser's cache: no request reaches a server, and none has to.
OFFLINE_CACHE = 7 * 24 * 3600


def _kept_offline(response: HttpResponse) -> HttpResponse:
    """Mark an answer the browser may reuse without asking (per user: private, and it varies
    with the session and language cookies)."""
    patch_cache_control(response, private=True, max_age=OFFLINE_CACHE)
    patch_vary_headers(response, ("Cookie",))
    return response


@require_GET
def status(request: HttpRequest) -> HttpResponse:
    """The connection indicator in its "reconnecting" state (with its poller, and what screen
    readers say about it), asked for by htmx when a page's socket closes. The same for every
    signed-in person in a language, so the browser keeps it: a page whose server has crashed
    turns to "Reconnecting…" and starts polling at once, from its cache."""
    if not request.user.is_authenticated:
        response = render(request, "live/status_response.html", {"state": "signed_out"})
        add_never_cache_headers(response)
        return response
    return _kept_offline(render(request, "live/status_response.html", {"state": "reconnecting"}))


@require_GET
def unreachable(request: HttpRequest) -> HttpResponse:
    """The page's alert when an action could not reach the server (htmx's ``htmx:sendError``,
    on htmx 4 ``htmx:error``): nothing was saved, what was typed is still there. Served from
    the browser's cache, since the server it reports missing cannot answer."""
    message = _("The server could not be reached: nothing was saved. Try again when it is back.")
    return _kept_offline(render(request, "live/error.html", {"message": message, "oob": True}))


class StatsView(APIView):
    """This server process's live-engine counters (staff only), for the load tester and
    the ops page: events, renders, queries, deliveries, drops, fan-out times, sockets."""

    permission_classes = [IsAdminUser]

    @extend_schema(exclude=True)
    def get(self, request: Request) -> Response:
        return Response({**stats.snapshot(), "pid": os.getpid(), **hub_census()})


@login_required
@require_GET
def ops_page(request: HttpRequest) -> HttpResponse:
    """The realtime ops page: every server process's sockets, topics, event rate, fan-out
    times and drops. The table refreshes itself every 2 s (htmx polling). Staff only: anyone
    else signed in gets the "Not allowed" page (403), not the admin's login."""
    if not request.user.is_staff:
        raise PermissionDenied(_("The realtime page is for staff."))
    local = local_reports()
    processes = ops.all_processes(local[0] if local else None)
    htmx = request.htmx  # type: ignore[attr-defined]  # set by django-htmx's middleware
    template = "live/partials/ops_table.html" if htmx else "live/ops.html"
    totals = {
        key: sum(p.get(key) or 0 for p in processes) for key in ("sockets", "events", "deliveries", "dropped")
    }
    return render(request, template, {"processes": processes, "totals": totals, "layer": _layer_name()})


def _layer_name() -> str:
    from django.conf import settings

    return settings.CHANNEL_LAYERS["default"]["BACKEND"].rsplit(".", 1)[-1]
