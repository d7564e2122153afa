"""The interface language: chosen with the switcher in the header, remembered twice.

At run time the language cookie decides, for pages and sockets alike (Django's
``LocaleMiddleware`` for pages, live/auth.py for sockets), so a socket always speaks the
language of the page that opened it. Choosing a language sets the cookie (for a year) and
stores it on the person's profile; signing in on another browser, where the cookie is
missing, brings the stored choice back (:class:`RememberedLanguageMiddleware`).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from people.models import Profile


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's ``set_language`` (checks the language, sets the cookie, redirects back), and
    for a signed-in person, remember the choice on their profile."""
    response = django_set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        Profile.objects.update_or_create(user=request.user, defaults={"language": language})
    return response


class RememberedLanguageMiddleware:
    """A signed-in person on a browser without the language cookie gets their stored choice
    (from this request on; one query, only while the cookie is missing)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = None
        if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES and request.user.is_authenticated:
            language = (
                Profile.objects.filter(user=request.user)
                .exclude(language="")
                .values_list("language", flat=True)
                .first()
            )
            if language:
                translation.activate(language)
                request.LANGUAGE_CODE = language
        response = self.get_response(request)
        if language:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        return response
