"""Redoc's bundle as drf-spectacular-sidecar ships it, without the one address it would load
from another site: its maker's logo under the menu (``cdn.redoc.ly``), which the Content-
Security-Policy blocks (a console error on every docs page). The image gets an empty source,
so Redoc drops it by itself (its ``onError``) and nothing is requested."""

from __future__ import annotations

import functools
from pathlib import Path

import drf_spectacular_sidecar
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

BUNDLE = (
    Path(drf_spectacular_sidecar.__file__).parent
    / "static/drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js"
)
LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"
# The docs page loads it from SPECTACULAR_SETTINGS["REDOC_DIST"] + "/bundles/..." (dashboard/urls.py).


@functools.cache
def _bundle() -> bytes:
    return BUNDLE.read_text(encoding="utf-8").replace(LOGO, "").encode()


@require_GET
@cache_control(public=True, max_age=24 * 3600)
def bundle(request: HttpRequest) -> HttpResponse:
    """The sidecar's ``redoc.standalone.js``, its CDN logo address removed."""
    return HttpResponse(_bundle(), content_type="text/javascript; charset=utf-8")
