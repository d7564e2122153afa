"""Presence across server processes on Redis, and what happens when one is killed."""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

import pytest
from django.test import Client
from websockets.asyncio.client import connect

from chat.models import Room
from tests.services import redis_url

pytestmark = pytest.mark.redis

FAST = {
    "LIVE_PRESENCE_TTL": "3",
    "LIVE_PRESENCE_REFRESH": "1",
    "LIVE_PRESENCE_CHECK": "1",
    "LIVE_PRESENCE_GRACE": "1",
}


def cookie(user: Any) -> str:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


def names(frame: str, room: Room) -> set[str] | None:
    match = re.search(rf'<ul id="presence-room-{room.pk}".*?</ul>', frame, re.S)
    if match is None:
        return None
    return set(re.findall(r'<bdi class="truncate">([^<]+)</bdi>', match.group(0)))


def test_presence_spans_processes_and_forgets_a_killed_one(
    start_server: Any, team: Any, alice: Any, bob: Any
) -> None:
    shared = {"REDIS_URL": redis_url(), "REDIS_PREFIX": "presencetest", **FAST}
    first = start_server(script="serve-prod.sh", WEB_CONCURRENCY="1", **shared)
    second = start_server(**shared)
    room = Room.objects.get(board=team)
    alice_cookie, bob_cookie = cookie(alice), cookie(bob)

    async def scenario() -> tuple[set[str], set[str], float]:
        url = f"/ws/chat/{room.slug}/"
        async with connect(
            first.url.replace("http", "ws") + url,
            additional_headers={"Cookie": alice_cookie},
            origin=first.url,
        ) as mine:
            theirs = await connect(
                second.url.replace("http", "ws") + url,
                additional_headers={"Cookie": bob_cookie},
                origin=second.url,
            )
            together: set[str] = set()
            while together != {"Alice", "Bob"}:
                together = names(await asyncio.wait_for(mine.recv(), 10), room) or together
            killed_at = time.monotonic()
            second.process.kill()  # no goodbye: bob's entry is never refreshed again
            alone: set[str] = together
            while alone != {"Alice"}:
                alone = names(await asyncio.wait_for(mine.recv(), 10), room) or alone
            await theirs.close()
            return together, alone, time.monotonic() - killed_at

    together, alone, took = asyncio.run(scenario())

    assert together == {"Alice", "Bob"} and alone == {"Alice"}
    assert took < 15  # it expired (TTL 3 s here, 90 s by default), not merely went quiet


async def test_a_thousand_sockets_leaving_at_once_are_all_recorded() -> None:
    """The end of a load test, or a proxy dropping every connection: each departure sets its
    entry to expire after the grace period, none refused for want of a Redis connection."""
    from live.presence import RedisStore

    store = RedisStore(redis_url(), prefix=f"leavetest{time.time_ns()}:")
    topic, entries = "board.1", [f"{n}|p|{n}" for n in range(1000)]
    try:
        await asyncio.gather(*(store.enter(topic, entry, n) for n, entry in enumerate(entries)))
        await asyncio.gather(*(store.leave(topic, entry) for entry in entries))
        key = store._keys(topic)[0]
        expiries = dict(await store.redis.zrange(key, 0, -1, withscores=True))
        assert len(expiries) == 1000
        assert max(expiries.values()) < time.time() + 20  # the grace period (15 s), not the TTL (90 s)
    finally:
        await store.redis.delete(*store._keys(topic))
        await store.redis.aclose()
