from __future__ import annotations

import os

from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from live import ops, stats
from live.hub import hub_census, local_reports


@require_GET
@never_cache
def status(request: HttpRequest) -> HttpResponse:
    """The connection indicator, asked for by htmx when a page's socket closes (and what
    screen readers say about it)."""
    state = "reconnecting" if request.user.is_authenticated else "signed_out"
    return render(request, "live/status_response.html", {"state": state})


class StatsView(APIView):
    """This server process's live-engine counters (staff only), for the load tester and
    the ops page: events, renders, queries, deliveries, drops, fan-out times, sockets."""

    permission_classes = [IsAdminUser]

    @extend_schema(exclude=True)
    def get(self, request: Request) -> Response:
        return Response({**stats.snapshot(), "pid": os.getpid(), **hub_census()})


@staff_member_required
@require_GET
def ops_page(request: HttpRequest) -> HttpResponse:
    """The realtime ops page: every server process's sockets, topics, event rate, fan-out
    times and drops. The table refreshes itself every 2 s (htmx polling)."""
    local = local_reports()
    processes = ops.all_processes(local[0] if local else None)
    template = "live/partials/ops_table.html" if request.htmx else "live/ops.html"
    totals = {
        key: sum(p.get(key) or 0 for p in processes) for key in ("sockets", "events", "deliveries", "dropped")
    }
    return render(request, template, {"processes": processes, "totals": totals, "layer": _layer_name()})


def _layer_name() -> str:
    from django.conf import settings

    return settings.CHANNEL_LAYERS["default"]["BACKEND"].rsplit(".", 1)[-1]
