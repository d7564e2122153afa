"""What the hub asks of the channel layer beyond the ASGI channel-layer spec.

A channel layer on Redis can forget a process's group memberships without the process
noticing: Redis restarted empty (or was flushed, or failed over to an empty replica) while
the hub was busy rendering, and redis-py silently reconnected the hub's next blocking pop to
the new server. The pop then waits for ever, because no group lists the hub any more. So the
hub keeps one membership of its own (``MARKER``, a group of every hub) and asks, every few
seconds, whether the layer still has it.
"""

from __future__ import annotations

from typing import Any

MARKER = "live.hubs"  # the channel-layer group every hub belongs to (see module docstring)


async def remembers(layer: Any, channel: str) -> bool:
    """Whether ``layer`` still lists ``channel`` in the :data:`MARKER` group. Raises if the
    layer is unreachable. Layers that keep their groups in this process (the in-memory one)
    cannot forget them while the process lives, and answer True."""
    group_key = getattr(layer, "_group_key", None)  # channels_redis' RedisChannelLayer
    if group_key is None:
        return True
    connection = layer.connection(layer.consistent_hash(MARKER))
    return await connection.zscore(group_key(MARKER), channel) is not None
