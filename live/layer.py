"""What the hub asks of the channel layer beyond the ASGI channel-layer spec.

A channel layer on Redis can forget a process's group memberships without the process
noticing: Redis restarted empty (or was flushed, or failed over to an empty replica) while
the hub was busy rendering, and redis-py silently reconnected the hub's next blocking pop to
the new server. The pop then waits for ever, because no group lists the hub any more. So the
hub keeps one membership of its own (``MARKER``, a group of every hub) and asks, every few
seconds, whether the layer still has it. The spec has no such question: channels-redis is
asked through its private storage (live/fast/channels_redis.py), and with
``LIVE["FAST_CHANNELS_REDIS"]`` off the check is skipped (forgotten memberships are then
re-made by the hub's periodic re-join, ``LIVE_GROUP_REFRESH``).
"""

from __future__ import annotations

from typing import Any

from live import fast
from live.fast import channels_redis

MARKER = "live.hubs"  # the channel-layer group every hub belongs to (see module docstring)


async def remembers(layer: Any, channel: str) -> bool:
    """Whether ``layer`` still lists ``channel`` in the :data:`MARKER` group. Raises if the
    layer is unreachable. Layers that keep their groups in this process (the in-memory one)
    cannot forget them while the process lives, and answer True; so does every layer when
    ``LIVE["FAST_CHANNELS_REDIS"]`` is off."""
    if not fast.on("CHANNELS_REDIS") or not channels_redis.supports(layer):
        return True
    return await channels_redis.lists(layer, MARKER, channel)
