"""Who is here, per topic (a board, a chat room): correct with several tabs per user, several
server processes, and processes that die without saying goodbye.

Every open socket on a presence topic has an entry ``user|process|socket`` that expires at a
given time:
- its hub refreshes it every REFRESH seconds, so a live socket's entry never expires;
- when the socket closes the entry is set to expire GRACE seconds later, so a quick reconnect
  (a page reload, a network blip) does not flicker "offline";
- a socket whose process was killed is never refreshed again and expires after TTL seconds.
A user is online while any of their entries is alive, and idle when none of their sockets
has shown activity (a message, typing, reading) for IDLE seconds. (The times are settings:
``timing()``.)

With Redis the entries live there (a sorted set per topic, scored by expiry), shared by every
process; without it, in this process's memory.
"""

from __future__ import annotations

import time
from typing import Any, Protocol

from django.conf import settings


def timing(name: str) -> float:
    """PRESENCE_TTL (90 s), PRESENCE_REFRESH (30 s), PRESENCE_GRACE (15 s), PRESENCE_IDLE (300 s)
    and PRESENCE_CHECK (5 s), from settings.LIVE."""
    return float(settings.LIVE[f"PRESENCE_{name}"])


ACTIVE, IDLE_STATE = "active", "idle"


class Store(Protocol):
    async def enter(self, topic: str, entry: str, user_id: int) -> None: ...
    async def leave(self, topic: str, entry: str) -> None: ...
    async def refresh(self, entries: list[tuple[str, str]]) -> None: ...
    async def touch(self, topic: str, user_id: int) -> None: ...
    async def states(self, topic: str) -> dict[int, str]: ...


def entry_key(user_id: int, process: str, socket_id: int) -> str:
    return f"{user_id}|{process}|{socket_id}"


def _user(entry: str) -> int:
    return int(entry.split("|", 1)[0])


class MemoryStore:
    def __init__(self) -> None:
        self.expiry: dict[str, dict[str, float]] = {}
        self.active: dict[str, dict[int, float]] = {}

    async def enter(self, topic: str, entry: str, user_id: int) -> None:
        self.expiry.setdefault(topic, {})[entry] = time.time() + timing("TTL")
        await self.touch(topic, user_id)

    async def leave(self, topic: str, entry: str) -> None:
        entries = self.expiry.get(topic, {})
        if entry in entries:
            entries[entry] = min(entries[entry], time.time() + timing("GRACE"))

    async def refresh(self, entries: list[tuple[str, str]]) -> None:
        until = time.time() + timing("TTL")
        for topic, entry in entries:
            self.expiry.setdefault(topic, {})[entry] = until

    async def touch(self, topic: str, user_id: int) -> None:
        self.active.setdefault(topic, {})[user_id] = time.time()

    async def states(self, topic: str) -> dict[int, str]:
        now = time.time()
        entries = self.expiry.get(topic, {})
        for entry in [e for e, until in entries.items() if until <= now]:
            del entries[entry]
        users = {_user(entry) for entry in entries}
        active = self.active.get(topic, {})
        return {user: ACTIVE if now - active.get(user, 0) < timing("IDLE") else IDLE_STATE for user in users}


class RedisStore:
    def __init__(self, url: str, prefix: str, max_connections: int = 50) -> None:
        import redis.asyncio

        # A blocking pool: a thousand sockets leaving (or arriving) at once wait their turn for
        # a connection. redis-py's default pool refuses the 101st at once ("Too many
        # connections"), which left 844 of 1000 departures unrecorded in a load test: those
        # people would have stayed "here" for PRESENCE_TTL instead of PRESENCE_GRACE.
        pool = redis.asyncio.BlockingConnectionPool.from_url(
            url, max_connections=max_connections, timeout=10, socket_timeout=5, socket_connect_timeout=5
        )
        self.redis = redis.asyncio.Redis(connection_pool=pool)
        self.prefix = prefix

    def _keys(self, topic: str) -> tuple[str, str]:
        return f"{self.prefix}presence:{topic}", f"{self.prefix}presence-active:{topic}"

    async def enter(self, topic: str, entry: str, user_id: int) -> None:
        entries, _active = self._keys(topic)
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.zadd(entries, {entry: time.time() + timing("TTL")})
            pipe.expire(entries, 24 * 3600)
            await pipe.execute()
        await self.touch(topic, user_id)

    async def leave(self, topic: str, entry: str) -> None:
        entries, _active = self._keys(topic)
        await self.redis.zadd(entries, {entry: time.time() + timing("GRACE")}, lt=True)

    async def refresh(self, entries: list[tuple[str, str]]) -> None:
        if not entries:
            return
        until = time.time() + timing("TTL")
        async with self.redis.pipeline(transaction=False) as pipe:
            for topic, entry in entries:
                pipe.zadd(self._keys(topic)[0], {entry: until})
            await pipe.execute()

    async def touch(self, topic: str, user_id: int) -> None:
        _entries, active = self._keys(topic)
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.hset(active, str(user_id), time.time())
            pipe.expire(active, 24 * 3600)
            await pipe.execute()

    async def states(self, topic: str) -> dict[int, str]:
        entries, active = self._keys(topic)
        now = time.time()
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.zremrangebyscore(entries, "-inf", now)
            pipe.zrange(entries, 0, -1)
            pipe.hgetall(active)
            _removed, members, touched = await pipe.execute()
        users = {_user(member.decode()) for member in members}
        last = {int(user): float(when) for user, when in touched.items()}
        return {user: ACTIVE if now - last.get(user, 0) < timing("IDLE") else IDLE_STATE for user in users}


def make_store() -> Any:
    if settings.REDIS_URL:
        config: dict[str, Any] = settings.CHANNEL_LAYERS["default"]["CONFIG"]
        return RedisStore(settings.REDIS_URL, prefix=f"{config.get('prefix', 'asgi')}:")
    return MemoryStore()


def region_id(topic: str) -> str:
    """The DOM id of a topic's "who is here" list: ``board.3`` -> ``presence-board-3``."""
    return "presence-" + topic.replace(".", "-")


def render_states(topic: str, states: dict[int, str], language: str) -> str:
    """The list, as an OOB fragment (the same for everyone on the topic)."""
    from django.contrib.auth import get_user_model

    from live.registry import render

    users = get_user_model().objects.filter(pk__in=states).only("username", "first_name", "last_name")
    people = sorted(
        ({"name": user.get_full_name() or user.get_username(), "state": states[user.pk]} for user in users),
        key=lambda person: (person["state"] != ACTIVE, person["name"].lower()),
    )
    return render(
        "live/presence.html", {"id": region_id(topic), "people": people, "oob": True}, language=language
    )
