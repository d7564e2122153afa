"""The API's request limits (DRF throttles), each read from the settings at every request:

- ``API_RATE_ANON``: requests without credentials, per address;
- ``API_RATE_USER``: requests with them, per user;
- ``API_RATE_BAD_TOKEN``: wrong API tokens, per address. Past it the address gets 429 for
  every token, a right one too, until the period ends: guessing tokens is not worth it.

Past a limit the answer is 429 with ``Retry-After`` (DRF's ``Throttled``). Counts live in
Django's cache (dashboard/cache.py: shared by every process with Redis). A client's address
is the connection's (``NUM_PROXIES`` is 0: an ``X-Forwarded-For`` the client wrote itself
counts for nothing; uvicorn already puts a trusted proxy's client address there).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed, Throttled
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle


def _rate(name: str) -> str | None:
    rate = str(getattr(settings, name) or "").strip()
    return None if rate.lower() in {"", "off", "none", "0"} else rate


class AnonThrottle(AnonRateThrottle):
    def get_rate(self) -> str | None:
        return _rate("API_RATE_ANON")


class UserThrottle(UserRateThrottle):
    def get_rate(self) -> str | None:
        return _rate("API_RATE_USER")


class BadTokenThrottle(SimpleRateThrottle):
    """Wrong tokens from one address: :meth:`wait` says whether it may try again now,
    :meth:`record` counts one more."""

    scope = "bad-token"

    def get_rate(self) -> str | None:
        return _rate("API_RATE_BAD_TOKEN")

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def _load(self, request: Any) -> None:
        self.key = self.get_cache_key(request, None)
        self.history = self.cache.get(self.key, [])
        self.now = self.timer()
        while self.history and self.history[-1] <= self.now - self.duration:
            self.history.pop()

    def blocked_for(self, request: Any) -> float | None:
        """Seconds to wait before this address may present a token again, or None."""
        if self.rate is None:
            return None
        self._load(request)
        return self.wait() if len(self.history) >= self.num_requests else None

    def record(self, request: Any) -> None:
        if self.rate is not None:
            self._load(request)
            self.throttle_success()


class CountedTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, refusing (429) an address that sent too many wrong
    tokens before it looks the token up, and counting each wrong one."""

    def authenticate(self, request: Any) -> Any:
        if not request.META.get("HTTP_AUTHORIZATION", "").lower().startswith(self.keyword.lower()):
            return super().authenticate(request)  # no token: nothing to count
        throttle = BadTokenThrottle()
        wait = throttle.blocked_for(request)
        if wait is not None:
            raise Throttled(wait)
        try:
            return super().authenticate(request)
        except AuthenticationFailed:
            throttle.record(request)
            raise
