"""Fast paths that rely on a library's private internals, one module per library.

Each module here is the only place the engine touches that library's private names, and each
is behind a setting (``LIVE["FAST_<NAME>"]``, environment ``LIVE_FAST_<NAME>``, all defaulting
to ``LIVE_FAST_PATHS``, on) that turns it off; the caller then takes the plain public path
beside it:

==================  =========================  =====================================================
setting             module                     plain path when off
==================  =========================  =====================================================
``FAST_UVICORN``    :mod:`live.fast.uvicorn`   the server's own ``send()`` for every frame
``FAST_ORM``        :mod:`live.fast.django_orm`  the ORM queryset, built and run for every call
``FAST_SESSIONS``   :mod:`live.fast.django_sessions`  Django's ``SessionStore`` of ``SESSION_ENGINE``
``FAST_CHANNELS_REDIS``  :mod:`live.fast.channels_redis`  no membership check (see that module)
==================  =========================  =====================================================

``tests/test_internals_contract.py`` fails, naming the private name, on a library version
where a fast path's assumptions no longer hold: turn that path off (or pin the library) until
its module is fixed. CI runs the engine's tests a second time with ``LIVE_FAST_PATHS=0``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.signals import setting_changed

NAMES = ("UVICORN", "ORM", "SESSIONS", "CHANNELS_REDIS")

_flags: dict[str, bool] = {}  # read once (asked on every frame written); forgotten when LIVE changes


def on(name: str) -> bool:
    """Whether the fast path for library ``name`` (one of :data:`NAMES`) is turned on."""
    flag = _flags.get(name)
    if flag is None:
        flag = _flags[name] = bool(settings.LIVE.get(f"FAST_{name}", True))
    return flag


def _forget(setting: str, **kwargs: Any) -> None:
    if setting == "LIVE":
        _flags.clear()


setting_changed.connect(_forget)
