"""Django's Redis cache, failing open: while Redis is away (or slow past its half-second
socket timeouts) a read finds nothing and a write is dropped, so the request limits it
counts for (sign-ins, API rates) let requests through instead of answering 500. Pages and
the API keep working through a Redis outage, as the live engine does (docs/reliability.md).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

log = logging.getLogger(__name__)
_warned_at = 0.0


def _unavailable(operation: str, error: Exception) -> None:
    global _warned_at
    if time.monotonic() - _warned_at > 60:  # one line a minute, not one per request
        _warned_at = time.monotonic()
        log.warning("cache unavailable (%s: %s): request limits are not counted", operation, error)


class FailOpenRedisCache(RedisCache):
    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        try:
            return super().get(key, default, version)
        except (RedisError, OSError) as error:
            _unavailable("get", error)
            return default

    def set(self, key: Any, value: Any, timeout: Any = ..., version: int | None = None) -> None:
        kwargs = {} if timeout is ... else {"timeout": timeout}
        try:
            super().set(key, value, version=version, **kwargs)
        except (RedisError, OSError) as error:
            _unavailable("set", error)

    def add(self, key: Any, value: Any, timeout: Any = ..., version: int | None = None) -> bool:
        kwargs = {} if timeout is ... else {"timeout": timeout}
        try:
            return super().add(key, value, version=version, **kwargs)
        except (RedisError, OSError) as error:
            _unavailable("add", error)
            return False

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        try:
            return super().incr(key, delta, version)
        except (RedisError, OSError) as error:
            _unavailable("incr", error)
            return 0

    def delete(self, key: Any, version: int | None = None) -> bool:
        try:
            return super().delete(key, version)
        except (RedisError, OSError) as error:
            _unavailable("delete", error)
            return False
