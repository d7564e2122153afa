"""Remembers when each user was last here, for the "new since your last visit" divider.

A visit is a page view in a signed-in browser. An API call with a token has no session: it
is not a visit, and noting it would store a new session row on every call."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.contrib.auth import SESSION_KEY
from django.http import HttpRequest, HttpResponse

from notifications.actions import note_visit

NOTE_EVERY = 60  # seconds: page views closer together than this are not written down


class VisitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Before the page renders: the first page of a new visit already shows its divider.
        self._note(request)
        return self.get_response(request)

    @staticmethod
    def _note(request: HttpRequest) -> None:
        user = getattr(request, "user", None)
        if (
            request.method == "GET"
            and not request.htmx
            and user is not None
            and user.is_authenticated
            and SESSION_KEY in request.session  # a page view, not an API call with a token (no session)
        ):
            last = request.session.get("visit_noted", 0)
            if time.time() - last > NOTE_EVERY:
                note_visit(user_id=user.pk)
                request.session["visit_noted"] = time.time()
