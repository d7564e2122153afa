"""The one way events leave a write: ``publish(topic, event)`` after the transaction commits.

An event is a small hint (kind, ids, the board's change number), never the data itself: the
database stays the only source of truth and every receiving process renders from it.
"""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
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
    """Send immediately (sync code only). Use :func:`publish` from write paths."""
    message = {**event, "type": EVENT_TYPE, "topic": topic}
    layer = get_channel_layer()
    if layer is None:
        return
    async_to_sync(layer.group_send)(group_name(topic), message)
    stats.counters["published"] += 1
