"""Remembers when each user was last here, for the "new since your last visit" divider."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from notifications.actions import note_visit

NOTE_EVERY = 60  # seconds: page views closer together than this are not written down


class VisitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if request.method == "GET" and not request.htmx and user is not None and user.is_authenticated:
            last = request.session.get("visit_noted", 0)
            if time.time() - last > NOTE_EVERY:
                note_visit(user_id=user.pk)
                request.session["visit_noted"] = time.time()
        return response
