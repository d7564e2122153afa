"""What the realtime ops page shows: each server process's sockets, topics, event rate,
fan-out times and drops.

Every hub reports its figures every OPS_INTERVAL seconds. With Redis (several processes)
they go to a key per process that expires after three intervals, so a process that died
drops off the page by itself; without Redis there is one process and the page reads it
directly.
"""

from __future__ import annotations

import json
import os
import socket
import time
from typing import Any

from django.conf import settings

from live import stats

OPS_INTERVAL = 2.0
KEY_PREFIX = "live-ops:"
PROCESS = f"{socket.gethostname()}:{os.getpid()}"
_started = time.time()


def census(hub_figures: dict[str, Any], rate: float) -> dict[str, Any]:
    """This process's figures, ready to show."""
    figures = stats.snapshot()
    return {
        "process": PROCESS,
        "uptime_s": round(time.time() - _started),
        "sockets": hub_figures["sockets"],
        "topics": hub_figures["topics"],
        "topic_sizes": dict(sorted(hub_figures["topic_sizes"].items(), key=lambda kv: -kv[1])[:20]),
        "events_per_s": round(rate, 2),
        "events": figures.get("events", 0),
        "deliveries": figures.get("deliveries", 0),
        "dropped": figures.get("dropped", 0),
        "resyncs": figures.get("resyncs", 0),
        "layer_errors": figures.get("layer_errors", 0),
        "closed_slow_readers": figures.get("closed_slow_readers", 0),
        # the hub's receive restarted by its watchdog, and the probe it waits for (live/watchdog.py)
        "watchdog_restarts": figures.get("watchdog_restarts", 0),
        "probe_wait_s": hub_figures.get("probe_wait_s"),
        "handshakes_refused": sum(v for k, v in figures.items() if k.startswith("handshakes_refused_")),
        "fanout_p50_ms": figures.get("fanout_p50_ms"),
        "fanout_p99_ms": figures.get("fanout_p99_ms"),
        "reported_at": time.time(),
    }


def _redis() -> Any:
    import redis.asyncio

    return redis.asyncio.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)


class Reporter:
    """Sends a hub's census to Redis (called from the hub's housekeeping)."""

    def __init__(self) -> None:
        self.client = _redis() if settings.REDIS_URL else None
        self.last_events = 0
        self.last_at = time.monotonic()
        self.latest: dict[str, Any] = {}

    async def report(self, hub_figures: dict[str, Any]) -> None:
        now = time.monotonic()
        events = stats.counters["events"]
        rate = (events - self.last_events) / max(now - self.last_at, 1e-6)
        self.last_events, self.last_at = events, now
        self.latest = census(hub_figures, rate)
        if self.client is not None:
            await self.client.set(KEY_PREFIX + PROCESS, json.dumps(self.latest), ex=int(OPS_INTERVAL * 3) + 1)


def all_processes(local: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Every live process's latest census (from Redis), or this process's alone."""
    if not settings.REDIS_URL:
        return [local] if local else []
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
    try:
        keys = sorted(client.scan_iter(match=KEY_PREFIX + "*", count=100))
        values = client.mget(keys) if keys else []
    finally:
        client.close()
    return [json.loads(value) for value in values if value]
