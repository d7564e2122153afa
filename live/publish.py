"""The one way events leave a write: ``publish(topic, event)`` after the transaction commits.

An event is a small hint (kind, ids, the board's change number), never the data itself: the
database stays the only source of truth and every receiving process renders from it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction

from live import stats

logger = logging.getLogger(__name__)

EVENT_TYPE = "live.event"  # the channel-layer message type the hub listens for


def group_name(topic: str) -> str:
    """The channel-layer group of a topic (``board.3`` -> ``live.board.3``)."""
    return f"live.{topic}"


def publish(topic: str, event: dict[str, Any], *, using: str | None = None) -> None:
    """Send ``event`` to every server process watching ``topic`` once the current
    transaction commits; nothing is sent if it rolls back."""

    def send_after_commit() -> None:
        send_now(topic, event)

    transaction.on_commit(send_after_commit, using=using, robust=True)


def send_now(topic: str, event: dict[str, Any]) -> None:
    """Send immediately (sync code only). Use :func:`publish` from write paths.

    A layer that cannot take the event within ``LIVE["LAYER_TIMEOUT"]`` (Redis down or hung)
    costs the write nothing more: the event is counted as failed, and for the next few seconds
    publishes wait only a moment (a layer that is back takes them at once; one still down
    does not hold up every write). The pages heal once the layer is back: every hub re-syncs
    its pages after an outage, and audits its topics' change numbers (live/hub.py)."""
    global _hurry_until
    message = {**event, "type": EVENT_TYPE, "topic": topic}
    layer = get_channel_layer()
    if layer is None:
        return
    timeout = settings.LIVE["LAYER_TIMEOUT"]
    wait = HURRIED if time.monotonic() < _hurry_until else timeout

    async def send() -> None:
        await asyncio.wait_for(layer.group_send(group_name(topic), message), wait)

    try:
        async_to_sync(send)()
    except LAYER_ERRORS as exc:
        stats.counters["publish_failed"] += 1
        _hurry_until = time.monotonic() + 2 * timeout
        logger.warning("channel layer unavailable (%r); live updates resume when it is back", exc)
        return
    stats.counters["published"] += 1


def _layer_errors() -> tuple[type[BaseException], ...]:
    """What a channel layer raises when its server is down or hung (not a bug in the caller)."""
    try:
        from redis.exceptions import RedisError
    except ImportError:
        return (TimeoutError, OSError)
    return (TimeoutError, OSError, RedisError)


LAYER_ERRORS = _layer_errors()
HURRIED = 0.25  # seconds a publish waits just after one failed
_hurry_until = 0.0  # until then, publishes wait only HURRIED
