"""Failed sign-ins are limited per account and per address (``LOGIN_FAILURES_PER_ACCOUNT``,
``LOGIN_FAILURES_PER_ADDRESS``, within ``LOGIN_LOCKOUT_SECONDS``).

Every password check Django makes goes through :func:`django.contrib.auth.authenticate`: the
sign-in page, the admin's, anything else. Each failure counts once for the account name
tried and once for the client's address (Django's ``user_login_failed`` signal). Past either
limit, :class:`ThrottleBackend` (first in ``AUTHENTICATION_BACKENDS``) refuses every further
attempt for that account or from that address, the right password included, until the window
that began with the first failure ends; the sign-in form then says so and how long to wait
(429 with ``Retry-After``). A successful sign-in clears its account's count.

The counts live in Django's cache (Redis with ``REDIS_URL``, so all server processes share
them; in memory for the single-process default): no database write per failed attempt.
Counting per account lets anyone lock an account out for a while by failing on purpose; the
window is short and the address limit is the one that stops a spray over many accounts.
(django-axes is the common package for this; it has one limit for all its keys and writes a
row per failure, and the two limits here are a few lines over the cache.)
"""

from __future__ import annotations

import hashlib
import math
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.utils.translation import ngettext


def _key(kind: str, value: str) -> str:
    return f"login-failures:{kind}:{hashlib.sha256(value.encode()).hexdigest()[:32]}"


def _keys(request: Any, username: str | None) -> list[tuple[str, int]]:
    """(cache key, limit) for what this attempt counts against."""
    keys = []
    if username:
        keys.append((_key("account", username.strip().casefold()), settings.LOGIN_FAILURES_PER_ACCOUNT))
    address = request.META.get("REMOTE_ADDR") if request is not None else None
    if address:
        keys.append((_key("address", address), settings.LOGIN_FAILURES_PER_ADDRESS))
    return keys


def retry_after(request: Any, username: str | None) -> int:
    """Seconds until this account name and this address may try again (0: they may now)."""
    now = time.time()
    wait = 0.0
    for key, limit in _keys(request, username):
        if limit and (cache.get(key) or 0) >= limit:
            wait = max(wait, (cache.get(f"{key}:until") or now) - now)
    return math.ceil(wait) if wait > 0 else 0


def record_failure(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    """``user_login_failed``: one more failure for the account name and the address. The
    window starts at the first failure and is not extended by later ones."""
    window = settings.LOGIN_LOCKOUT_SECONDS
    for key, _limit in _keys(request, credentials.get("username")):
        if cache.add(key, 0, window):
            cache.set(f"{key}:until", time.time() + window, window)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, window)


def clear_account(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """``user_logged_in``: the account's own count starts again (the address's stays)."""
    cache.delete(_key("account", user.get_username().strip().casefold()))


class ThrottleBackend:
    """First in ``AUTHENTICATION_BACKENDS``: refuses (``PermissionDenied``, so no backend
    after it checks the password) an attempt for an account or from an address past its
    limit, and leaves on the request how long to wait."""

    def authenticate(self, request: Any, username: str | None = None, **credentials: Any) -> None:
        wait = retry_after(request, username)
        if wait:
            if request is not None:
                request.login_retry_after = wait
            raise PermissionDenied("too many failed sign-ins")
        return None

    # No get_user(): this backend never signs anyone in, so sessions (and force_login) name
    # the backend after it.


def wait_message(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return ngettext(
        "Too many failed sign-ins. Try again in %(minutes)d minute.",
        "Too many failed sign-ins. Try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}
