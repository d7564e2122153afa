from __future__ import annotations

import os

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from live import stats
from live.hub import hub_census


@require_GET
@never_cache
def status(request: HttpRequest) -> HttpResponse:
    """The connection indicator, asked for by htmx when a page's socket closes."""
    state = "reconnecting" if request.user.is_authenticated else "signed_out"
    return render(request, "live/status.html", {"state": state})


class StatsView(APIView):
    """This server process's live-engine counters (staff only), for the load tester and
    the ops page: events, renders, queries, deliveries, drops, fan-out times, sockets."""

    permission_classes = [IsAdminUser]

    @extend_schema(exclude=True)
    def get(self, request: Request) -> Response:
        return Response({**stats.snapshot(), "pid": os.getpid(), **hub_census()})
