from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@require_GET
@never_cache
def status(request: HttpRequest) -> HttpResponse:
    """The connection indicator, asked for by htmx when a page's socket closes."""
    state = "reconnecting" if request.user.is_authenticated else "signed_out"
    return render(request, "live/status.html", {"state": state})
