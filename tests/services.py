"""The outside services some tests need (Redis, PostgreSQL, Chromium). Where one is
missing, the test skips and says why; with REQUIRE_SERVICES=1 (as .ci/run sets) it fails
instead, so CI can never pass by skipping."""

from __future__ import annotations

import os
import shutil

import pytest

STRICT = os.environ.get("REQUIRE_SERVICES") == "1"
REDIS_TEST_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/15")


def unavailable(what: str) -> None:
    if STRICT:
        pytest.fail(f"{what} (REQUIRE_SERVICES=1 forbids skipping)")
    pytest.skip(what)


def redis_url() -> str:
    """A Redis database for tests, flushed before use."""
    import redis

    try:
        client = redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=1, socket_timeout=2)
        client.flushdb()
        client.close()
    except redis.RedisError as exc:
        unavailable(f"Redis is not reachable at {REDIS_TEST_URL}: {exc}")
    return REDIS_TEST_URL


def chromium() -> str:
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/lib/chromium/chromium"
    if not path or not os.path.exists(path):
        unavailable("Chromium is not installed (apt-get install chromium; test.sh does it as root)")
    return path


def redis_layer(url: str) -> dict:
    return {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [{"address": url, "socket_timeout": None}],
                "capacity": 10_000,
                "group_expiry": 300,
                "prefix": "livetest",
            },
        }
    }


def database_url() -> str:
    """The URL of the test database, for server processes the tests start."""
    from django.db import connection

    settings = connection.settings_dict
    if settings["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{settings['NAME']}"
    password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
    user = settings.get("USER") or "postgres"
    host, port = settings.get("HOST") or "127.0.0.1", settings.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{settings['NAME']}"
