"""Whether channels-redis still lists a channel in a group: the only read of channels-redis's
private storage (setting ``LIVE["FAST_CHANNELS_REDIS"]``, environment
``LIVE_FAST_CHANNELS_REDIS``).

The ASGI channel-layer spec has no "is this channel in that group?"; live/layer.py asks it
every ``LIVE_LAYER_CHECK`` seconds to notice a Redis that forgot the hub's memberships
without an error (restarted empty, flushed, failed over to an empty replica).

Relies on, of ``channels_redis.core.RedisChannelLayer``: ``_group_key(group)`` (the group's
Redis key), ``consistent_hash(group)`` and ``connection(index)`` (the shard holding it), and
a group being a sorted set of channel names (``ZSCORE``). Tested with channels-redis 4.3.0 on
Redis 7; ``tests/test_internals_contract.py`` checks the names and that the answer follows
``group_add`` and ``group_discard``.

The plain path (off): no such check (every layer is taken to remember). What is lost: a hub
whose memberships Redis forgot gets no events until its next re-join, every
``LIVE_GROUP_REFRESH`` seconds (60), though its pages are brought back to the database by
the audit every ``LIVE_AUDIT`` seconds (15) meanwhile. Cost of the check itself: one
``ZSCORE`` round trip to Redis every ``LIVE_LAYER_CHECK`` seconds per process, about 80 µs
(``python scripts/internals_bench.py`` with ``REDIS_URL``).
"""

from __future__ import annotations

from typing import Any


def supports(layer: Any) -> bool:
    """Whether ``layer`` keeps its groups where :func:`lists` can read them."""
    return callable(getattr(layer, "_group_key", None))


async def lists(layer: Any, group: str, channel: str) -> bool:
    """Whether Redis still lists ``channel`` in ``group`` (raises if Redis is unreachable)."""
    connection = layer.connection(layer.consistent_hash(group))
    return await connection.zscore(layer._group_key(group), channel) is not None
