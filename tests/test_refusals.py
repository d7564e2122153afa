"""Refused, unknown and never-authenticated handshakes cost the live pages nothing (issue 12).

A flood of WebSocket handshakes that are refused (a foreign ``Origin``), aimed at paths that
do not exist, or never signed in, sent while tasks are being written, must leave every open
page of the production server (uvicorn, 2 workers, Redis) receiving the next write live.
Before the fix, channels' ``WebsocketDenier`` opened (and cancelled) a channels-redis receive
per refusal, sharing the process's receive lock with the hub's own receive: a few thousand of
them and no write reached any socket until the audit (15-30 s later). The audit is turned off
here (``LIVE_AUDIT``), so only live delivery can pass.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections import Counter
from typing import Any

import pytest
from rest_framework.authtoken.models import Token

from tests.faultkit import RedisProcess, api, cookie_for, open_sockets, sized, stop_all, until
from tests.services import redis_layer

pytestmark = pytest.mark.redis

NO_AUDIT = {"LIVE_AUDIT": "3600", "LIVE_LOG_LEVEL": "WARNING"}


async def handshake(port: int, path: str, origin: str | None, cookie: str | None = None) -> int:
    """Send one WebSocket handshake over a raw connection; the HTTP status of the answer
    (101 for an accepted socket, which is then dropped), 0 if the server said nothing."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    lines = [
        f"GET {path} HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Version: 13",
    ]
    if origin is not None:
        lines.append(f"Origin: {origin}")
    if cookie is not None:
        lines.append(f"Cookie: {cookie}")
    try:
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), 10)
        match = re.match(rb"HTTP/1\.1 (\d{3})", status_line)
        return int(match.group(1)) if match else 0
    except (TimeoutError, ConnectionError):
        return 0
    finally:
        writer.close()
        with contextlib.suppress(Exception):  # the server may have reset it: nothing to learn
            await asyncio.wait_for(writer.wait_closed(), 1)


async def flood(port: int, path: str, origin: str | None, count: int, concurrency: int = 40) -> Counter[int]:
    """``count`` handshakes, ``concurrency`` at a time; how many got each status."""
    statuses: Counter[int] = Counter()
    queue = iter(range(count))

    async def worker() -> None:
        for _ in queue:
            statuses[await handshake(port, path, origin)] += 1

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return statuses


FLOODS = {
    "a foreign origin": ("ws/boards/{board}/", "http://evil.example"),
    "no origin at all": ("ws/boards/{board}/", None),
    "an unknown path": ("ws/nothing-here/{board}/", "http://127.0.0.1:{port}"),
    "no session": ("ws/boards/{board}/", "http://127.0.0.1:{port}"),
}


@pytest.mark.parametrize("kind", list(FLOODS))
def test_a_flood_of_refused_handshakes_never_silences_live_delivery(
    kind: str, start_server: Any, own_redis: RedisProcess, team: Any, make_user: Any, caplog: Any
) -> None:
    """Thousands of handshakes that never get a socket, while tasks are written through the
    API; afterwards every open page (on both workers) gets the next task within a few
    seconds, and the audit that could have healed it is off. The refusals answer 403 (an
    unknown path too: never a 500)."""
    server = start_server(
        script="serve-prod.sh",
        WEB_CONCURRENCY="2",
        REDIS_URL=own_redis.url,
        REDIS_PREFIX="refusals",
        **NO_AUDIT,
    )
    port = int(server.url.rsplit(":", 1)[1])
    users = [make_user(f"user{i}") for i in range(4)]
    token = Token.objects.create(user=users[0]).key
    cookies = [cookie_for(user) for user in users]
    template_path, origin = FLOODS[kind]
    path = "/" + template_path.format(board=team.pk)
    origin = origin.format(port=port) if origin else None

    async def scenario() -> tuple[Counter[int], float | None, list[int]]:
        sockets = await open_sockets(
            server.url, f"/ws/boards/{team.pk}/", cookies, 24, page=f"/boards/{team.slug}/"
        )
        written: list[int] = []

        async def writer() -> None:
            for index in range(sized(15, 40)):
                reply = await asyncio.to_thread(
                    api, server.url, token, "POST", "/api/tasks/", {"title": f"During the flood {index}"}
                )
                written.append(reply.status)
                await asyncio.sleep(0.1)

        statuses, _ = await asyncio.gather(flood(port, path, origin, sized(3000, 6000)), writer())
        after = await asyncio.to_thread(api, server.url, token, "POST", "/api/tasks/", {"title": "After"})
        assert after.status == 201
        dom_id = f"task-{after.json()['id']}"
        shown = await until(lambda: all(dom_id in s.board(team.pk).open for s in sockets), 10)
        await stop_all(sockets)
        return statuses, shown, written

    statuses, shown, written = asyncio.run(scenario())
    print(f"\n[{kind}] handshakes: {dict(statuses)}, writes: {Counter(written)}, next task shown in {shown}s")
    assert set(written) == {201}
    expected = 101 if kind == "no session" else 403  # a socket without a user: accepted, closed 4401
    assert statuses == Counter({expected: sum(statuses.values())}), statuses
    assert shown is not None, "a write after the flood never reached every open page"
    log = server.log_text()
    assert "Traceback" not in log, log[-3000:]
    # refusals are counted, and their log lines are few (at most one a second per reason and worker)
    assert log.count("refused") < 200, log.count("refused")


def test_refusals_before_the_first_socket_and_a_removal_during_a_flood(
    start_server: Any, own_redis: RedisProcess, team: Any, make_user: Any, settings: Any
) -> None:
    """Refusals sent before a worker's first socket leave it working; a person taken out of a
    private room while refusals pour in has every socket of theirs ended at once (4403, on both
    workers), with the session sweep and the audit both off: only the live access change can
    do it."""
    from chat import actions as chat_actions

    settings.CHANNEL_LAYERS = redis_layer(own_redis.url)  # this process's removal reaches the servers
    server = start_server(
        script="serve-prod.sh",
        WEB_CONCURRENCY="2",
        REDIS_URL=own_redis.url,
        REDIS_PREFIX=settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"],
        LIVE_SESSION_CHECK="3600",
        **NO_AUDIT,
    )
    port = int(server.url.rsplit(":", 1)[1])
    alice, bob = make_user("alice"), make_user("bob")
    secret = chat_actions.room_create(by=alice, name="Secret", is_private=True, members=[bob])
    path = f"/ws/chat/{secret.slug}/"
    bobs_cookie = cookie_for(bob)

    async def scenario() -> tuple[Counter[int], float | None, list[list[int]]]:
        before = await flood(port, path, "http://evil.example", sized(2000, 4000))
        bobs = await open_sockets(server.url, path, [bobs_cookie], 6, page=f"/chat/{secret.slug}/")
        flooding = asyncio.create_task(flood(port, path, "http://evil.example", sized(2000, 4000)))
        await asyncio.sleep(0.5)
        await asyncio.to_thread(secret.members.remove, bob)
        ended = await until(lambda: all(4403 in s.close_codes for s in bobs), 10)
        during = await flooding
        await stop_all(bobs)
        return before + during, ended, [s.close_codes for s in bobs]

    statuses, ended, codes = asyncio.run(scenario())
    print(f"\n[removal during a flood] handshakes: {dict(statuses)}, sockets ended in {ended}s: {codes}")
    assert set(statuses) == {403}
    assert ended is not None, f"Bob's sockets were not all ended: {codes}"
