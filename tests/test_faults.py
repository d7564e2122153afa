"""Faults (issue 6): each fault injected into real server processes on 127.0.0.1, with raw
WebSocket clients that reconnect exactly as htmx-ext-ws 2.0.4 does and keep a model of the
page (tests/faultkit.py, tests/dom.py). Every test prints its figures (run with -s); it
asserts correctness only (convergence with the database, nothing lost or duplicated, close
codes), never timings. The full-size runs are scripts/reliability.py; the figures are in
docs/reliability.md.
"""

from __future__ import annotations

import asyncio
import re
import signal
import time
from collections import Counter
from typing import Any

import pytest
from rest_framework.authtoken.models import Token

from tests.faultkit import (
    RETRY_CODES,
    HtmxSocket,
    RedisProcess,
    SlowReader,
    api,
    converge,
    cookie_for,
    html_create,
    open_sockets,
    percentiles,
    presence_names,
    retire,
    rss_kb,
    sized,
    stop_all,
    swap_errors,
    truth,
    until,
)

pytestmark = pytest.mark.redis


def indicator(sock: HtmxSocket) -> str | None:
    """The state the page's connection indicator shows ("live", "reconnecting", ...)."""
    node = sock.page.element("live-status") if sock.page is not None else None
    return node.attrs.get("data-state") if node is not None else None


def watch_indicators(sockets: list[HtmxSocket]) -> list[tuple[float, str, str | None]]:
    """Record (when, socket, indicator state) after every frame each socket receives."""
    seen: list[tuple[float, str, str | None]] = []
    for sock in sockets:
        sock.listeners.append(lambda s, _text, now: seen.append((now, s.name, indicator(s))))
    return seen


async def shown_everywhere(
    sockets: list[HtmxSocket], board_id: int, created: Any, timeout: float = 10
) -> float | None:
    """Seconds until the task the API ``created`` is in every socket's Open list (None: never)."""
    dom_id = f"task-{created.json()['id']}"
    return await until(lambda: all(dom_id in s.board(board_id).open for s in sockets), timeout)


async def watched_boards(
    server: Any, token: str, cookies: list[str], board: Any, count: int
) -> tuple[list[HtmxSocket], Any, list[tuple[float, str, str | None]]]:
    """``count`` open board pages that all show a first task made through the API, and the
    record of their indicators from then on."""
    sockets = await open_sockets(
        server.url, f"/ws/boards/{board.pk}/", cookies, count, page=f"/boards/{board.slug}/"
    )
    first = await asyncio.to_thread(api, server.url, token, "POST", "/api/tasks/", {"title": "Before"})
    assert first.status == 201
    assert await shown_everywhere(sockets, board.pk, first) is not None
    return sockets, first, watch_indicators(sockets)


def report(title: str, figures: dict[str, Any]) -> None:
    print(f"\n[{title}]")
    for name, value in figures.items():
        print(f"  {name}: {value}")


# --- 1. Redis killed, restarted empty ---------------------------------------------------------------


def test_redis_killed_and_restarted_empty_heals_every_page(
    start_server: Any, own_redis: RedisProcess, team: Any, alice: Any, bob: Any, manager: Any
) -> None:
    """Redis dies (SIGKILL) under a server with open boards and comes back empty: every page
    says "reconnecting" meanwhile (its indicator then polls over HTTP); writes made meanwhile
    through the REST API and the board's own form all succeed (publishing after commit must
    not break a request), and every open page then shows exactly the database and "live"
    again, without reconnecting; a write after the return reaches every page live (groups
    re-joined)."""
    server = start_server(REDIS_URL=own_redis.url, REDIS_PREFIX="faults")
    token = Token.objects.create(user=manager).key
    cookies = [cookie_for(alice), cookie_for(bob), cookie_for(manager)]
    path = f"/ws/boards/{team.pk}/"
    down_for = 3.0

    async def scenario() -> dict[str, Any]:
        sockets, first, states = await watched_boards(server, token, cookies, team, 15)

        own_redis.kill()
        killed = time.monotonic()
        replies = []
        for index in range(4):
            replies.append(
                await asyncio.to_thread(
                    api, server.url, token, "POST", "/api/tasks/", {"title": f"During outage {index}"}
                )
            )
        replies.append(
            await asyncio.to_thread(
                api, server.url, token, "POST", f"/api/tasks/{first.json()['id']}/complete/"
            )
        )
        replies.append(
            await asyncio.to_thread(html_create, server.url, cookies[0], team.slug, "Typed in the form")
        )
        views = await truth(server.url, path, cookies, team.pk)  # a new page works meanwhile
        await asyncio.sleep(max(0.0, down_for - (time.monotonic() - killed)))
        own_redis.start()
        back = time.monotonic()

        took, problems = await converge(sockets, views, team.pk, timeout=30)
        healed_after = None if took is None else round(time.monotonic() - back, 2)

        after = await asyncio.to_thread(api, server.url, token, "POST", "/api/tasks/", {"title": "After"})
        live_after = await shown_everywhere(sockets, team.pk, after)
        figures = {
            "sockets": len(sockets),
            "redis down (s)": round(back - killed, 2),
            "writes during the outage (status)": [r.status for r in replies],
            "write latency during the outage (ms)": percentiles(r.ms for r in replies),
            "Redis restart -> every page shows the database (s)": healed_after,
            "reconnects": sum(s.reconnects for s in sockets),
            "close codes seen": sorted({c for s in sockets for c in s.close_codes}),
            "write after the return reached every page live (s)": live_after,
            "pages that said 'reconnecting' during the outage": len(
                {name for when, name, state in states if killed <= when <= back and state == "reconnecting"}
            ),
            "indicators at the end": sorted({str(indicator(s)) for s in sockets}),
            "oob targets missing / duplicate ids": swap_errors(sockets),
            "problems": problems,
        }
        await stop_all(sockets)
        return figures

    figures = asyncio.run(scenario())
    report("fault 1: Redis SIGKILL, restarted empty", figures)
    assert figures["pages that said 'reconnecting' during the outage"] == figures["sockets"]
    assert figures["indicators at the end"] == ["live"]

    assert figures["writes during the outage (status)"] == [201, 201, 201, 201, 200, 200]
    assert (
        not figures["problems"] and figures["Redis restart -> every page shows the database (s)"] is not None
    )
    assert figures["reconnects"] == 0
    assert figures["write after the return reached every page live (s)"] is not None
    assert figures["oob targets missing / duplicate ids"] == (0, 0)


def test_a_hung_redis_never_hangs_a_request_and_every_page_heals(
    start_server: Any, own_redis: RedisProcess, team: Any, alice: Any, bob: Any, manager: Any
) -> None:
    """Redis stops answering (SIGSTOP: its connections stay open) under open boards. Every
    write through the API and the board's form still answers (its publish gives up after
    LIVE_LAYER_TIMEOUT), pages say "reconnecting"; when Redis answers again every page shows
    exactly the database and "live", and later writes arrive live."""
    server = start_server(REDIS_URL=own_redis.url, REDIS_PREFIX="faults", LIVE_LAYER_CHECK="1")
    token = Token.objects.create(user=manager).key
    cookies = [cookie_for(alice), cookie_for(bob), cookie_for(manager)]
    path = f"/ws/boards/{team.pk}/"
    hung_for = 6.0

    async def scenario() -> dict[str, Any]:
        sockets, _first, states = await watched_boards(server, token, cookies, team, 6)

        own_redis.pause()
        paused = time.monotonic()
        try:
            replies = [
                await asyncio.to_thread(
                    api, server.url, token, "POST", "/api/tasks/", {"title": "While hung"}
                ),
                await asyncio.to_thread(html_create, server.url, cookies[0], team.slug, "Typed while hung"),
            ]
            await asyncio.sleep(max(0.0, hung_for - (time.monotonic() - paused)))
        finally:
            own_redis.resume()
        back = time.monotonic()
        views = await truth(server.url, path, cookies, team.pk)
        took, problems = await converge(sockets, views, team.pk, timeout=30)

        after = await asyncio.to_thread(api, server.url, token, "POST", "/api/tasks/", {"title": "After"})
        live_after = await shown_everywhere(sockets, team.pk, after)
        figures = {
            "sockets": len(sockets),
            "redis hung (s)": round(back - paused, 2),
            "writes while hung (status)": [r.status for r in replies],
            "write latency while hung (ms)": [round(r.ms) for r in replies],
            "pages that said 'reconnecting' while hung": len(
                {name for when, name, state in states if paused <= when <= back and state == "reconnecting"}
            ),
            "Redis answers again -> every page shows the database (s)": None
            if took is None
            else round(time.monotonic() - back, 2),
            "write after reached every page live (s)": live_after,
            "indicators at the end": sorted({str(indicator(s)) for s in sockets}),
            "reconnects": sum(s.reconnects for s in sockets),
            "oob targets missing / duplicate ids": swap_errors(sockets),
            "problems": problems,
        }
        await stop_all(sockets)
        return figures

    figures = asyncio.run(scenario())
    report("Redis hung (SIGSTOP)", figures)
    assert figures["writes while hung (status)"] == [201, 200]  # answered, not hung (http() gives up at 30 s)
    assert figures["pages that said 'reconnecting' while hung"] == figures["sockets"]
    assert (
        not figures["problems"]
        and figures["Redis answers again -> every page shows the database (s)"] is not None
    )
    assert figures["write after reached every page live (s)"] is not None
    assert figures["indicators at the end"] == ["live"]
    assert figures["oob targets missing / duplicate ids"] == (0, 0)


def test_redis_forgetting_the_groups_without_an_error_heals_every_page(
    start_server: Any, own_redis: RedisProcess, team: Any, alice: Any, bob: Any, manager: Any
) -> None:
    """Redis loses every group membership while staying reachable (FLUSHALL here; in real life
    a restart while the hub was busy, whose next blocking pop then reconnects without an
    error): the hub notices within LIVE_LAYER_CHECK, re-joins, and every open page shows
    exactly the database, writes made in between included, without reconnecting and
    without a "reconnecting" indicator; later writes arrive live. With LIVE_FAST_CHANNELS_REDIS
    off (no membership check: live/fast/channels_redis.py) the same holds through the audit and
    the periodic re-join alone, here made as frequent as the check."""
    from django.conf import settings

    plain = {} if settings.LIVE["FAST_CHANNELS_REDIS"] else {"LIVE_GROUP_REFRESH": "2", "LIVE_AUDIT": "2"}
    server = start_server(REDIS_URL=own_redis.url, REDIS_PREFIX="faults", LIVE_LAYER_CHECK="1", **plain)
    token = Token.objects.create(user=manager).key
    cookies = [cookie_for(alice), cookie_for(bob), cookie_for(manager)]
    path = f"/ws/boards/{team.pk}/"

    async def scenario() -> dict[str, Any]:
        import redis

        sockets, _first, states = await watched_boards(server, token, cookies, team, 6)

        client = redis.Redis.from_url(own_redis.url)
        client.flushall()
        client.close()
        flushed = time.monotonic()
        during = await asyncio.to_thread(api, server.url, token, "POST", "/api/tasks/", {"title": "Unheard"})
        views = await truth(server.url, path, cookies, team.pk)
        took, problems = await converge(sockets, views, team.pk, timeout=20)

        after = await asyncio.to_thread(api, server.url, token, "POST", "/api/tasks/", {"title": "After"})
        live_after = await shown_everywhere(sockets, team.pk, after)
        figures = {
            "sockets": len(sockets),
            "write after the flush (status)": during.status,
            "flush -> every page shows the database (s)": None
            if took is None
            else round(time.monotonic() - flushed, 2),
            "write after the heal reached every page live (s)": live_after,
            "reconnects": sum(s.reconnects for s in sockets),
            "indicator states seen since the flush": sorted({str(state) for _when, _name, state in states}),
            "oob targets missing / duplicate ids": swap_errors(sockets),
            "problems": problems,
        }
        await stop_all(sockets)
        return figures

    figures = asyncio.run(scenario())
    report("Redis flushed under open pages", figures)
    assert figures["write after the flush (status)"] == 201
    assert not figures["problems"] and figures["flush -> every page shows the database (s)"] is not None
    assert figures["write after the heal reached every page live (s)"] is not None
    assert figures["reconnects"] == 0
    assert "reconnecting" not in figures["indicator states seen since the flush"]
    assert figures["oob targets missing / duplicate ids"] == (0, 0)


# --- 2. The server killed and restarted ----------------------------------------------------------------

FAST_PRESENCE = {
    "LIVE_PRESENCE_TTL": "3",
    "LIVE_PRESENCE_REFRESH": "1",
    "LIVE_PRESENCE_CHECK": "1",
    "LIVE_PRESENCE_GRACE": "1",
}


def test_server_killed_and_restarted_every_page_comes_back_and_heals(
    start_server: Any, own_redis: RedisProcess, team: Any, make_user: Any
) -> None:
    """The server process is SIGKILLed under 60 open boards (1000 at full size) and restarted on
    the same port.
    Every page sees 1006 and reconnects on htmx's own schedule; the snapshot heals it (tasks
    created while the server was down appear); "who is here" forgets the sockets that died
    with the process (a user whose tabs closed meanwhile disappears), in Redis as on screen."""
    env = {"REDIS_URL": own_redis.url, "REDIS_PREFIX": "faults", **FAST_PRESENCE}
    server = start_server(**env)
    users = [make_user(f"user{i}") for i in range(6)]
    cookies = [cookie_for(user) for user in users]
    names = [user.first_name for user in users]
    path = f"/ws/boards/{team.pk}/"
    presence_id = f"presence-board-{team.pk}"
    presence_key = f"faults:presence:board.{team.pk}"

    async def scenario() -> dict[str, Any]:
        sockets = await open_sockets(
            server.url, path, cookies, sized(60, 1000), seed=2, page=f"/boards/{team.slug}/"
        )
        everyone = await until(
            lambda: all(presence_names(s.page, presence_id) == set(names) for s in sockets if s.page), 15
        )
        assert everyone is not None, "presence never showed everyone"
        leaving = [s for s in sockets if s.cookie == cookies[-1]]  # these tabs close while it is down
        staying = [s for s in sockets if s.cookie != cookies[-1]]

        retire(server)
        killed = time.monotonic()
        forgotten = asyncio.create_task(
            until(
                lambda: all(
                    presence_names(s.page, presence_id) == set(names[:-1]) for s in staying if s.page
                ),
                40,
            )
        )
        await until(lambda: all(s.close_codes for s in sockets), 10)
        for index in range(3):
            await asyncio.to_thread(_create_task, team, users[0], f"While the server was down {index}")
        await stop_all(leaving)
        restarted = await asyncio.to_thread(lambda: start_server(port=server.port, **env))
        ready = time.monotonic()

        views = await truth(restarted.url, path, cookies[:-1], team.pk)
        healed, problems = await converge(staying, views, team.pk, timeout=60)
        healed_at = time.monotonic()
        # a snapshot after the kill can only come from the restarted server; one may come before
        # start_server() has noticed the port open (``ready``): it counts as back at once
        back = [
            max(0.0, min(t for t in s.snapshot_at if t > killed) - ready)
            for s in staying
            if s.snapshot_at[-1] > killed
        ]
        forgot = await forgotten
        live_entries = own_redis.client().zcount(presence_key, time.time(), "+inf")
        figures = {
            "sockets": len(sockets),
            "server down (kill -> port open again) (s)": round(ready - killed, 2),
            "close codes seen at the kill": sorted({s.close_codes[0] for s in sockets}),
            "pages back (snapshot after the restart)": f"{len(back)}/{len(staying)}",
            "back after ready p50/p95/max (s)": percentiles(back),
            "back within 10 s": f"{sum(t <= 10 for t in back)}/{len(staying)}",
            "failed attempts per page max / mean": (
                max(s.attempts - s.opens for s in staying),
                round(sum(s.attempts - s.opens for s in staying) / len(staying), 2),
            ),
            "every page shows the database (s after ready)": None
            if healed is None
            else round(healed_at - ready, 2),
            "presence forgot the closed tabs (s after kill)": None if forgot is None else round(forgot, 2),
            "live presence entries in Redis / open sockets": (live_entries, len(staying)),
            "oob targets missing / duplicate ids": swap_errors(sockets),
            "problems": problems,
        }
        await stop_all(staying)
        return figures

    figures = asyncio.run(scenario())
    report("fault 2: server SIGKILL, restarted on the same port", figures)

    assert figures["close codes seen at the kill"] == [1006]
    staying = figures["live presence entries in Redis / open sockets"][1]
    assert figures["pages back (snapshot after the restart)"] == f"{staying}/{staying}"
    assert not figures["problems"] and figures["every page shows the database (s after ready)"] is not None
    assert figures["presence forgot the closed tabs (s after kill)"] is not None
    assert figures["live presence entries in Redis / open sockets"] == (staying, staying)
    assert figures["oob targets missing / duplicate ids"] == (0, 0)


def _create_task(board: Any, user: Any, title: str) -> None:
    from tasks import actions

    actions.task_create(board=board, by=user, title=title)


# --- 3. Graceful restart (SIGTERM) ---------------------------------------------------------------------


@pytest.mark.parametrize("script", ["serve-prod.sh", "serve.sh"])
def test_sigterm_closes_every_socket_with_a_code_htmx_retries(
    script: str, start_server: Any, own_redis: RedisProcess, team: Any, alice: Any, bob: Any
) -> None:
    """A deploy: the server gets SIGTERM with open boards. uvicorn (scripts/serve-prod.sh, two
    workers on Redis) closes every socket with 1012; daphne (scripts/serve.sh) drops them with
    no close frame, which a browser reports as 1006. htmx retries both, so when the new server
    is up every page is back and shows what was written while it was down."""
    env = {"REDIS_URL": own_redis.url, "REDIS_PREFIX": "faults", "WEB_CONCURRENCY": "2"}
    server = start_server(script=script, **env)
    cookies = [cookie_for(alice), cookie_for(bob)]
    path = f"/ws/boards/{team.pk}/"

    async def scenario() -> dict[str, Any]:
        sockets = await open_sockets(server.url, path, cookies, 20, seed=3, page=f"/boards/{team.slug}/")
        stopping = time.monotonic()
        await asyncio.to_thread(retire, server, signal.SIGTERM)
        exited = time.monotonic()
        closed = await until(lambda: all(s.close_codes for s in sockets), 15)
        await asyncio.to_thread(_create_task, team, alice, "Deployed meanwhile")
        restarted = await asyncio.to_thread(lambda: start_server(port=server.port, script=script, **env))
        ready = time.monotonic()
        views = await truth(restarted.url, path, cookies, team.pk)
        healed, problems = await converge(sockets, views, team.pk, timeout=60)
        figures = {
            "server": script,
            "sockets": len(sockets),
            "SIGTERM -> process exited (s)": round(exited - stopping, 2),
            "every socket saw its close (s after exit)": None if closed is None else round(closed, 2),
            "close codes seen": sorted({s.close_codes[0] for s in sockets if s.close_codes}),
            "pages that gave up (code htmx does not retry)": sum(s.final_code is not None for s in sockets),
            "oob targets missing / duplicate ids": swap_errors(sockets),
            "every page back and showing the database (s after ready)": None
            if healed is None
            else round(time.monotonic() - ready, 2),
            "problems": problems,
        }
        await stop_all(sockets)
        return figures

    figures = asyncio.run(scenario())
    report(f"fault 3: SIGTERM to {script}", figures)

    assert figures["every socket saw its close (s after exit)"] is not None
    if script == "serve-prod.sh":
        assert figures["close codes seen"] == [1012]
    else:
        assert set(figures["close codes seen"]) <= RETRY_CODES
    assert figures["pages that gave up (code htmx does not retry)"] == 0
    assert figures["oob targets missing / duplicate ids"] == (0, 0)
    assert not figures["problems"] and figures["every page back and showing the database (s after ready)"]


# --- 4. Rotation, and group memberships kept alive past group_expiry --------------------------------


def test_sockets_are_rotated_with_1012_and_no_server_timeout_strands_a_page(
    start_server: Any, own_redis: RedisProcess, team: Any, alice: Any, manager: Any
) -> None:
    """Rotation (LIVE_MAX_SOCKET_AGE=3 s) on each server:

    - uvicorn (scripts/serve-prod.sh) closes every socket with 1012; htmx reconnects, and no
      event written across the rotations is missed;
    - daphne (scripts/serve.sh) cannot send 1012 (autobahn sends only 1000 and 3000-4999), so
      its sockets stay open past their age, still live, and the hub's housekeeping goes on
      past the refused close (a deleted session still ends its socket with 4401; an anonymous
      page is refused with 4401, not 1011): serve.sh has no socket age limit of daphne's own,
      because daphne's --websocket_timeout closes with 1000, which htmx never retries, as the
      server beside them shows (--websocket_timeout 3: the page gives up, silently stale)."""
    fast = {
        "LIVE_MAX_SOCKET_AGE": "3",
        "LIVE_SESSION_CHECK": "1",
        "REDIS_URL": own_redis.url,  # both servers hear every write
        "REDIS_PREFIX": "faults",
    }
    uvicorn = start_server(script="serve-prod.sh", WEB_CONCURRENCY="1", **fast)
    daphne = start_server(**fast)
    timing_out = start_server(LIVE_MAX_SOCKET_AGE="100", DAPHNE_ARGS="--websocket_timeout 3")
    token = Token.objects.create(user=manager).key
    cookies = [cookie_for(alice), cookie_for(manager)]
    doomed = cookie_for(alice)  # its session row is deleted midway
    path = f"/ws/boards/{team.pk}/"

    async def scenario() -> dict[str, Any]:
        rotating = await open_sockets(uvicorn.url, path, cookies, 20, seed=4, page=f"/boards/{team.slug}/")
        staying = await open_sockets(daphne.url, path, cookies, 10, seed=5, page=f"/boards/{team.slug}/")
        [signed_out] = await open_sockets(daphne.url, path, [doomed], 1, seed=6, page=f"/boards/{team.slug}/")
        [anonymous] = await open_sockets(daphne.url, path, ["sessionid=none"], 1, seed=7)
        [stale] = await open_sockets(timing_out.url, path, cookies, 1, seed=8, page=f"/boards/{team.slug}/")
        started = time.monotonic()
        created = 0
        while time.monotonic() - started < 10:
            reply = await asyncio.to_thread(
                api, uvicorn.url, token, "POST", "/api/tasks/", {"title": f"Across rotations {created}"}
            )
            assert reply.status == 201
            created += 1
            if created == 10:  # well past every socket's age
                await asyncio.to_thread(_delete_session, doomed)
            await asyncio.sleep(0.5)
        views = await truth(uvicorn.url, path, cookies, team.pk)
        healed, problems = await converge([*rotating, *staying], views, team.pk, timeout=20)
        lifetimes = [
            closed - opened
            for s in rotating
            for opened, closed in zip(s.opened_at, s.closed_at, strict=False)
        ]
        figures = {
            "uvicorn sockets": len(rotating),
            "events written across rotations": created,
            "uvicorn: rotations per socket min / max": (
                min(len(s.close_codes) for s in rotating),
                max(len(s.close_codes) for s in rotating),
            ),
            "uvicorn: close codes seen": sorted({c for s in rotating for c in s.close_codes}),
            "uvicorn: socket lifetime p50/max (s)": percentiles(lifetimes),
            "daphne: sockets open after 10 s (age limit 3 s) / closes seen": (
                sum(s.is_open and s.opens == 1 for s in staying),
                sum(len(s.close_codes) for s in staying),
            ),
            "daphne: session deleted -> close code, page stopped": (
                signed_out.close_codes,
                signed_out.final_code,
            ),
            "daphne: anonymous page -> close codes": anonymous.close_codes,
            "every page shows the database at the end (s)": None if healed is None else round(healed, 2),
            "beside them, daphne's own --websocket_timeout 3 closed with": stale.close_codes,
            "and that page gave up (final code)": stale.final_code,
            "oob targets missing / duplicate ids": swap_errors([*rotating, *staying, signed_out, stale]),
            "problems": problems,
        }
        await stop_all([*rotating, *staying, signed_out, anonymous, stale])
        return figures

    figures = asyncio.run(scenario())
    report("fault 4: rotation, and no server timeout that strands a page", figures)

    assert figures["uvicorn: close codes seen"] == [1012]
    assert figures["uvicorn: rotations per socket min / max"][0] >= 2
    assert figures["uvicorn: socket lifetime p50/max (s)"]["max"] < 5
    assert figures["daphne: sockets open after 10 s (age limit 3 s) / closes seen"] == (10, 0)
    assert figures["daphne: session deleted -> close code, page stopped"] == ([4401], 4401)
    assert figures["daphne: anonymous page -> close codes"] == [4401]
    assert not figures["problems"] and figures["every page shows the database at the end (s)"] is not None
    assert figures["beside them, daphne's own --websocket_timeout 3 closed with"] == [1000]
    assert figures["and that page gave up (final code)"] == 1000
    assert figures["oob targets missing / duplicate ids"] == (0, 0)


def _delete_session(cookie: str) -> None:
    from django.contrib.sessions.models import Session

    Session.objects.filter(session_key=cookie.split("=", 1)[1]).delete()


@pytest.mark.django_db(transaction=True)
async def test_the_hubs_group_refresh_outlives_group_expiry(
    own_redis: RedisProcess, settings: Any, connect: Any, team: Any, alice: Any, bob: Any
) -> None:
    """group_expiry is fixed at 300 s in dashboard/settings.py, so this runs at the hub level:
    a channels-redis layer with group_expiry=3 s and the hub re-joining every second
    (LIVE GROUP_REFRESH=1). After 5 s an event still reaches the page, while a channel that
    joined the same group once, without refreshing, has expired out of it."""
    from channels.db import database_sync_to_async
    from channels.layers import get_channel_layer

    from live.publish import group_name
    from tasks import actions
    from tests.frames import next_frame

    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [{"address": own_redis.url, "socket_timeout": None}],
                "capacity": 10_000,
                "expiry": 60,
                "group_expiry": 3,
                "prefix": "faults",
            },
        }
    }
    settings.LIVE = {**settings.LIVE, "GROUP_REFRESH": 1}
    socket = await connect(f"/ws/boards/{team.pk}/", bob)
    await next_frame(socket, 5)
    layer = get_channel_layer()
    bystander = await layer.new_channel("bystander.")
    group = group_name(f"board.{team.pk}")
    await layer.group_add(group, bystander)

    await asyncio.sleep(5)
    scores = dict(own_redis.client().zrange(f"faults:group:{group}", 0, -1, withscores=True))
    ages = {name.decode().split(".", 1)[0]: round(time.time() - score, 1) for name, score in scores.items()}
    sent = time.monotonic()
    await database_sync_to_async(actions.task_create)(board=team, by=alice, title="After group expiry")
    frame = await next_frame(socket, 5)
    latency = time.monotonic() - sent
    try:
        leftover = await asyncio.wait_for(layer.receive(bystander), 1.5)
    except TimeoutError:
        leftover = None
    members = [
        name.decode().split(".", 1)[0] for name in own_redis.client().zrange(f"faults:group:{group}", 0, -1)
    ]
    report(
        "fault 4b: group refresh past group_expiry (hub level)",
        {
            "group_expiry / refresh (s)": (3, 1),
            "membership ages just before the event (s)": ages,
            "event reached the page after 5 s (s)": round(latency, 3),
            "the unrefreshed channel received": leftover,
            "group members after the event": members,
        },
    )

    assert "After group expiry" in frame
    assert leftover is None
    assert ages["bystander"] > 3 and ages["live-hub"] < 3  # one past group_expiry, one refreshed
    assert members == ["live-hub"]  # sending pruned the expired membership


# --- 7. A reader that never reads, on a real server ------------------------------------------------------


async def first_frame_bytes(base: str, path: str, cookie: str) -> tuple[int, int | None]:
    """The size of a new socket's first frame (its snapshot), and the close code if the server
    closed it instead of sending one."""
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed

    async with connect(
        base.replace("http", "ws", 1) + path,
        additional_headers={"Cookie": cookie},
        origin=base,  # type: ignore[arg-type]
        max_size=None,
        ping_interval=None,
    ) as ws:
        try:
            return len((await asyncio.wait_for(ws.recv(), 20)).encode()), None  # type: ignore[union-attr]
        except ConnectionClosed as closed:
            return 0, closed.rcvd.code if closed.rcvd else 1006


def _seed_big_board(board: Any, user: Any, count: int, description: str) -> None:
    """``count`` tasks with long descriptions, written in one go (no events: the server is not
    running yet), so that the board's snapshot is several MiB."""
    from tasks.models import Board, Task

    seq = Board.objects.get(pk=board.pk).seq
    Task.objects.bulk_create(
        Task(board=board, title=f"Seeded {i}.", description=description, created_by=user, version=seq + i + 1)
        for i in range(count)
    )
    Board.objects.filter(pk=board.pk).update(seq=seq + count)


FEED_SNAPSHOT = 'id="activity-feed" hx-swap-oob="true"'
ACTIVITY_LINE = re.compile(r'<li id="activity-(\d+)"')


def _activity_lines(titles: list[str]) -> dict[str, int]:
    """The activity line of each created task: its id, which grows in commit order."""
    from tasks.models import Activity

    lines = dict(Activity.objects.filter(verb="created").values_list("task_title", "pk"))
    return {title: lines[title] for title in titles}


def _bulk_update(board: Any) -> None:
    """A bulk update (QuerySet.update): one board.reset event, which re-syncs every page."""
    from tasks.models import Task

    Task.objects.filter(board=board, title__startswith="Seeded 1").update(due_date=None)


@pytest.mark.parametrize("script", ["serve.sh", "serve-prod.sh"])
def test_a_reader_that_never_reads_is_cut_off_and_holds_up_nobody(
    script: str,
    start_server: Any,
    own_redis: RedisProcess,
    settings: Any,
    team: Any,
    alice: Any,
    manager: Any,
    make_user: Any,
) -> None:
    """A client with a 4 KiB receive buffer opens a board of ~4 MiB (640 tasks with long
    descriptions: its snapshot alone fills the kernel's send buffer) and never reads, while
    events go to it and to 20 normal pages (the home page, which follows the board), and a
    bulk update makes the server re-sync every page of the board. The normal pages get every
    event, no slower than in a baseline phase (figures printed); the server stops queueing for
    the slow one and ends it: uvicorn at the app's bound (100 frames queued behind the one it
    holds back: close 1013, sent once the peer reads, which it does as soon as the server gave
    up), daphne, which never holds a write back, at its ping timeout (cut to 2 + 3 s here; 20 + 30 s as shipped). A fresh page of that
    board opens on both servers (daphne's message cap also limits what it sends)."""
    env = {"WEB_CONCURRENCY": "1", "REDIS_URL": own_redis.url, "REDIS_PREFIX": "faults"}
    if script == "serve.sh":
        env["DAPHNE_ARGS"] = sized("--ping-interval 2 --ping-timeout 3", "")
    description = ("A long description makes each task's card about 7 KB. " * 100)[
        :4900
    ]  # 640 of them: 4.4 MB
    _seed_big_board(team, manager, 640, description)
    server = start_server(script=script, **env)
    settings.CHANNEL_LAYERS = {  # this process's bulk update reaches the server through Redis
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [{"address": own_redis.url}], "prefix": "faults"},
        }
    }
    token = Token.objects.create(user=make_user("ops", is_staff=True)).key
    cookies = [cookie_for(alice), cookie_for(manager)]
    baseline_events, max_slow_events, after_events, rate = 40, sized(400, 3000), 40, 20.0
    pid = server.process.pid

    async def scenario() -> dict[str, Any]:
        normal = await open_sockets(server.url, "/ws/tasks/", cookies, 20, keep_dom=False, seed=7)
        big_snapshot = await first_frame_bytes(server.url, f"/ws/boards/{team.pk}/", cookies[1])
        sent: dict[str, float] = {}
        latency: dict[str, list[float]] = {"Baseline": [], "Slow": [], "After": []}
        seen: set[tuple[int, str]] = set()
        healed_upto: dict[int, int] = {}  # per page: the newest activity line a re-sync showed

        def watch(sock: HtmxSocket, text: str, now: float) -> None:
            for title, at in list(sent.items()):
                if (id(sock), title) not in seen and f"‘{title}’" in text:
                    seen.add((id(sock), title))
                    latency[title.split(" ", 1)[0]].append((now - at) * 1000)
            if FEED_SNAPSHOT in text:  # a whole feed, read fresh: it shows every line up to its newest
                lines = [int(pk) for pk in ACTIVITY_LINE.findall(text)]
                healed_upto[id(sock)] = max([*lines, healed_upto.get(id(sock), 0)])

        for sock in normal:
            sock.listeners.append(watch)
        rss: dict[str, list[int]] = {"Baseline": [], "Slow": [], "After": []}
        phase = "Baseline"
        counters: dict[str, Any] = {"sockets": 21}

        def stats() -> dict[str, Any]:
            return api(server.url, token, "GET", "/live/stats/").json()

        async def sample() -> None:
            while True:
                rss[phase].append(rss_kb(pid))
                counters.update(await asyncio.to_thread(stats))
                await asyncio.sleep(0.25)

        async def create(title: str) -> None:
            sent[title] = time.monotonic()
            reply = await asyncio.to_thread(api, server.url, token, "POST", "/api/tasks/", {"title": title})
            assert reply.status == 201

        async def fire(label: str, most: int, stop: Any = None) -> int:
            """Up to ``most`` events at ``rate`` (four requests in flight at most), or until
            ``stop(fired)``."""
            started, running, fired = time.monotonic(), set(), 0
            while fired < most and not (stop and stop(fired)):
                running.add(asyncio.ensure_future(create(f"{label} event {fired}.")))
                fired += 1
                if len(running) >= 4:
                    _done, running = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                if label == "Slow" and fired == 60:
                    await asyncio.to_thread(_bulk_update, team)
                await asyncio.sleep(max(0.0, started + fired / rate - time.monotonic()))
            await asyncio.gather(*running)
            return fired

        sampler = asyncio.create_task(sample())
        await fire("Baseline", baseline_events)
        assert await until(lambda: len(seen) == 20 * baseline_events, 20) is not None
        phase = "Slow"
        slow = await asyncio.to_thread(SlowReader, server.url, f"/ws/boards/{team.pk}/", cookies[0])
        slow_started = time.monotonic()

        def given_up() -> bool:  # the server stopped queueing for it, or dropped it
            return counters.get("closed_slow_readers", 0) >= 1 or counters["sockets"] == 20

        # on until it gave up, and at least 40 events after the bulk update (at the 60th)
        slow_events = await fire("Slow", max_slow_events, stop=lambda fired: fired >= 100 and given_up())
        gave_up = await until(given_up, sized(20, 90))
        gave_up_after = None if gave_up is None else round(time.monotonic() - slow_started, 2)
        # Read it as soon as the server gave up: uvicorn's own ping timeout (20 + 30 s as shipped)
        # would otherwise end the socket with 1011 before the reader ever reads the app's 1013.
        ended, code, read = await asyncio.to_thread(slow.drain, 20)
        phase = "After"
        await fire("After", after_events)
        total = baseline_events + slow_events + after_events
        await until(lambda: len(seen) == 20 * total, 30)
        line_of = await asyncio.to_thread(_activity_lines, list(sent))
        # A page re-synced while events queued up for it shows them in its fresh feed (or, past
        # the feed's length, not at all, as after a reload): each is delivered or healed, or lost.
        not_pushed = [(title, sock) for title in sent for sock in normal if (id(sock), title) not in seen]
        healed = Counter(
            title.split(" ", 1)[0]
            for title, sock in not_pushed
            if line_of[title] <= healed_upto.get(id(sock), 0)
        )
        missing = Counter(
            title.split(" ", 1)[0]
            for title, sock in not_pushed
            if line_of[title] > healed_upto.get(id(sock), 0)
        )
        sampler.cancel()
        final = await asyncio.to_thread(stats)
        base_kb = max(rss["Baseline"])
        figures = {
            "server": script + (f" ({env['DAPHNE_ARGS']})" if env.get("DAPHNE_ARGS") else ""),
            "a fresh page of the big board: snapshot bytes, closed with": big_snapshot,
            "normal pages / events: baseline, while the slow reader was connected, after": (
                20,
                baseline_events,
                slow_events,
                after_events,
            ),
            "normal pages' latency, baseline (ms)": percentiles(latency["Baseline"]),
            "normal pages' latency, slow reader connected, bulk update included (ms)": percentiles(
                latency["Slow"]
            ),
            "normal pages' latency, after (ms)": percentiles(latency["After"]),
            "deliveries missing on normal pages": dict(missing),
            "events a re-sync's fresh feed showed instead of their own push": dict(healed),
            "server gave up on the slow socket after (s)": gave_up_after,
            "what the slow reader finds when it reads at last: ended, close code, bytes": (ended, code, read),
            "server counters: closed_slow_readers, resyncs, sockets": (
                final.get("closed_slow_readers", 0),
                final.get("resyncs", 0),
                final["sockets"],
            ),
            "server RSS peak: baseline, slow reader connected, after (MiB)": tuple(
                round(max(rss[p] or [0]) / 1024, 1) for p in ("Baseline", "Slow", "After")
            ),
            "server RSS growth while the slow reader was connected (MiB)": round(
                (max(rss["Slow"]) - base_kb) / 1024, 1
            ),
        }
        await stop_all(normal)
        return figures

    figures = asyncio.run(scenario())
    report(f"fault 7: a reader that never reads ({script})", figures)

    assert figures["a fresh page of the big board: snapshot bytes, closed with"][0] > 256 * 1024
    assert figures["a fresh page of the big board: snapshot bytes, closed with"][1] is None
    assert figures["deliveries missing on normal pages"] == {}
    assert figures["server gave up on the slow socket after (s)"] is not None
    ended, code, _read = figures["what the slow reader finds when it reads at last: ended, close code, bytes"]
    assert ended
    if script == "serve-prod.sh":
        assert code == 1013
        assert figures["server counters: closed_slow_readers, resyncs, sockets"][0] == 1
