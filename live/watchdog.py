"""Notices a hub whose receive from the channel layer hangs while messages wait for it.

A receive can hang without an error: channels-redis shares one receive lock per process
between every receive on it, and a receive cancelled at the wrong moment (a consumer that
was refused, say) has been seen to leave the hub's own receive waiting for ever while its
messages piled up in Redis (issue 12). Nothing else would notice: no error, no gap in change
numbers until the next event, which never comes.

So the hub sends a probe to its own channel every few seconds through the layer's public
``send()``. A probe that the receive has not handed back within ``limit`` seconds, while the
hub was waiting in that receive all along (not busy rendering), means the receive is stuck;
the hub then starts a new one and re-syncs its pages (live/hub.py).
"""

from __future__ import annotations

import time
from typing import Any

PROBE = "live.probe"  # the message type of a probe (the hub ignores it otherwise)


class Watchdog:
    def __init__(self, limit: float) -> None:
        self.limit = limit
        self.receiving_since: float | None = None  # in a receive since then; None: handling
        self.probe_sent_at: float | None = None  # a probe not received yet, sent then

    def receiving(self) -> None:
        """The hub starts waiting in a receive."""
        self.receiving_since = time.monotonic()

    def received(self, message: dict[str, Any]) -> None:
        """The receive handed back ``message``: the hub is handling it."""
        self.receiving_since = None
        if message.get("type") == PROBE:
            self.probe_sent_at = None

    def reset(self) -> None:
        """A new receive replaces the stuck one: nothing is outstanding."""
        self.receiving_since = self.probe_sent_at = None

    def stuck(self, now: float | None = None) -> bool:
        """Has a probe waited over ``limit`` seconds while the hub sat in one receive?"""
        if self.probe_sent_at is None or self.receiving_since is None:
            return False
        now = time.monotonic() if now is None else now
        return now - max(self.probe_sent_at, self.receiving_since) > self.limit

    async def probe(self, layer: Any, channel: str) -> None:
        """Send a probe to ``channel`` unless one is still on its way. Raises what the layer
        raises (unreachable: the layer check deals with that)."""
        if self.probe_sent_at is not None:
            return
        await layer.send(channel, {"type": PROBE})
        self.probe_sent_at = time.monotonic()

    def age(self) -> float | None:
        """Seconds the outstanding probe has waited (the ops page shows it), or None."""
        return None if self.probe_sent_at is None else round(time.monotonic() - self.probe_sent_at, 1)
