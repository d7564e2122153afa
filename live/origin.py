"""Only the site's own pages get a socket: cross-site WebSocket hijacking gets nothing.

Browsers send cookies with a WebSocket handshake from any site, and the same-origin policy
does not apply to WebSockets, so the ``Origin`` header is the only thing that tells a page of
ours from someone else's. The rule is the one Django's CSRF check applies to a POST: the
origin must be exactly the scheme, host and port the handshake was made to (the host being
one of ``ALLOWED_HOSTS``), or one of ``CSRF_TRUSTED_ORIGINS``. So an absent or ``null``
origin, another site, a sibling subdomain, the other scheme and another port are all
refused. (channels' ``AllowedHostsOriginValidator`` compares host names only, so the last
two would pass it.)

A refused handshake gets HTTP 403 and never reaches a consumer nor the channel layer
(live/refusals.py).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.http.request import split_domain_port, validate_host
from django.utils.http import is_same_domain

from live import refusals


def _header(scope: dict[str, Any], name: bytes) -> str | None:
    values = [value for key, value in scope.get("headers", ()) if key == name]
    return values[0].decode("latin-1") if len(values) == 1 else None  # none, or ambiguous


def own_origin(scope: dict[str, Any]) -> str | None:
    """``scheme://host[:port]`` the handshake was made to, or None if its Host is not ours."""
    host = _header(scope, b"host")
    if not host:
        return None
    domain, _port = split_domain_port(host)
    allowed = settings.ALLOWED_HOSTS or (["localhost", "127.0.0.1", "[::1]"] if settings.DEBUG else [])
    if not domain or not validate_host(domain, allowed):
        return None
    secure = scope.get("scheme") == "wss"
    if settings.SECURE_PROXY_SSL_HEADER:  # behind a TLS proxy, as Django's request.is_secure()
        meta_name, secure_value = settings.SECURE_PROXY_SSL_HEADER
        name = meta_name.removeprefix("HTTP_").lower().replace("_", "-").encode()
        forwarded = _header(scope, name)
        if forwarded is not None:
            secure = forwarded.split(",")[0].strip() == secure_value
    return f"{'https' if secure else 'http'}://{host}"


def trusted(origin: str) -> bool:
    """Is ``origin`` one of ``CSRF_TRUSTED_ORIGINS`` (``https://*.example.com`` included)?"""
    if origin in settings.CSRF_TRUSTED_ORIGINS:
        return True
    parts = urlsplit(origin)
    for pattern in settings.CSRF_TRUSTED_ORIGINS:
        wanted = urlsplit(pattern)
        wildcard = "*" in wanted.netloc and wanted.scheme == parts.scheme
        if wildcard and is_same_domain(parts.netloc, wanted.netloc.replace("*", "", 1)):
            return True
    return False


def allowed(scope: dict[str, Any]) -> bool:
    origin = _header(scope, b"origin")
    if not origin or origin == "null":
        return False
    return origin == own_origin(scope) or trusted(origin)


class SameOriginValidator:
    """ASGI middleware: pass a handshake from one of our own pages, refuse any other (403)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if allowed(scope):
            return await self.app(scope, receive, send)
        refusals.note("origin", f"origin {_header(scope, b'origin')!r} to host {_header(scope, b'host')!r}")
        return await refusals.deny(receive, send)
