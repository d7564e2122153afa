"""Fault 5 (issue 6): sixteen concurrent writers against a real daphne server on the suite's
database: SQLite with the shipped settings (a file, WAL, IMMEDIATE transactions, a 20 s
lock timeout), which is the point; in CI's PostgreSQL pass the same checks run there.

Eight writers use the REST API (token auth: create, and complete every other one), eight
use the board's socket (``task.create`` at 4 per second, under the 5/s token bucket). Run
with -s for the figures; scripts/reliability.py runs it at full size (500 writes each).
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from pathlib import Path
from typing import Any

from django.db import connection
from rest_framework.authtoken.models import Token

from tasks.models import Activity, Task
from tests.faultkit import (
    HtmxSocket,
    api,
    converge,
    cookie_for,
    open_sockets,
    percentiles,
    sized,
    stop_all,
    swap_errors,
    truth,
    until,
)
from tests.test_faults import report

HTTP_WRITERS, WS_WRITERS = 8, 8
WS_RATE = 4.0  # task.create frames per second per socket (the bucket allows 5, bursts of 10)
LOCKED = ("database is locked", "database table is locked", "OperationalError")


def test_sixteen_concurrent_writers_commit_everything_once_and_every_page_converges(
    start_server: Any, team: Any, make_user: Any
) -> None:
    """0 "database is locked" (server log, responses, error frames), every write committed
    exactly once (one row per title, one activity line per change), every socket ends
    showing the database."""
    http_writes = sized(40, 500)  # per API writer: a create, then every other write a complete
    ws_writes = sized(12, 500)  # per socket writer
    server = start_server()
    api_users = [make_user(f"api{i}") for i in range(HTTP_WRITERS)]
    tokens = [Token.objects.create(user=user).key for user in api_users]
    socket_users = [make_user(f"sock{i}") for i in range(WS_WRITERS)]
    cookies = [cookie_for(user) for user in socket_users]
    path = f"/ws/boards/{team.pk}/"
    engine = connection.vendor

    def http_writer(
        index: int, out: list[tuple[str, int, float, str]], created: list[int], completed: list[int]
    ) -> None:
        mine: list[int] = []
        for write in range(http_writes):
            if write % 2 == 1 and mine:
                task_id = mine.pop()
                reply = api(server.url, tokens[index], "POST", f"/api/tasks/{task_id}/complete/")
                out.append(("complete", reply.status, reply.ms, ""))
                if reply.status == 200:
                    completed.append(task_id)
                continue
            title = f"API writer {index} write {write}."
            reply = api(server.url, tokens[index], "POST", "/api/tasks/", {"title": title, "board": team.pk})
            out.append(("create", reply.status, reply.ms, title))
            if reply.status == 201:
                task_id = reply.json()["id"]
                mine.append(task_id)
                created.append(task_id)

    async def scenario() -> dict[str, Any]:
        writers = await open_sockets(
            server.url, path, cookies, WS_WRITERS, seed=51, page=f"/boards/{team.slug}/"
        )
        pending: dict[str, tuple[HtmxSocket, float]] = {}
        ws_latency: list[float] = []
        error_frames: list[str] = []

        def watch(sock: HtmxSocket, text: str, now: float) -> None:
            if 'id="live-error"' in text or 'id="task-form"' in text:
                error_frames.append(text[:200])
            for title, (owner, sent) in list(pending.items()):
                if owner is sock and title in text:
                    ws_latency.append((now - sent) * 1000)
                    del pending[title]

        for sock in writers:
            sock.listeners.append(watch)

        async def ws_writer(index: int) -> None:
            sock = writers[index]
            for write in range(ws_writes):
                title = f"Socket writer {index} write {write}."
                pending[title] = (sock, time.monotonic())
                await sock.send({"action": "task.create", "title": title})
                await asyncio.sleep(1 / WS_RATE)

        http_out: list[tuple[str, int, float, str]] = []  # appended to by the writer threads
        created: list[int] = []
        completed: list[int] = []
        started = time.monotonic()
        await asyncio.gather(
            *(asyncio.to_thread(http_writer, i, http_out, created, completed) for i in range(HTTP_WRITERS)),
            *(ws_writer(i) for i in range(WS_WRITERS)),
        )
        arrived = await until(lambda: not pending, 30)
        elapsed = time.monotonic() - started

        views = await truth(server.url, path, cookies, team.pk)
        healed, problems = await converge(writers, views, team.pk, timeout=30)
        log = Path(server.log.name).read_text(errors="replace")
        titles = Counter(
            await asyncio.to_thread(
                lambda: list(Task.objects.filter(board=team).values_list("title", flat=True))
            )
        )
        verbs = Counter(
            await asyncio.to_thread(
                lambda: list(Activity.objects.filter(board=team).values_list("verb", flat=True))
            )
        )
        done_in_db = set(
            await asyncio.to_thread(
                lambda: list(Task.objects.filter(board=team, completed=True).values_list("pk", flat=True))
            )
        )
        beyond = {task_id for sock in writers for task_id in sock.board(team.pk).done_beyond}
        http_ms = [ms for _kind, _status, ms, _title in http_out]
        expected_titles = {
            title for kind, status, _ms, title in http_out if kind == "create" and status == 201
        }
        expected_titles |= {
            f"Socket writer {i} write {w}." for i in range(WS_WRITERS) for w in range(ws_writes)
        }
        writes = len(http_out) + WS_WRITERS * ws_writes
        figures = {
            "database": f"{engine} ({connection.settings_dict['NAME']})",
            "writers": f"{HTTP_WRITERS} REST API (closed loop: one request in flight each) + {WS_WRITERS} sockets "
            f"(open loop: {WS_RATE:g}/s each)",
            "writes (API creates, API completes, socket creates)": (
                sum(kind == "create" for kind, *_ in http_out),
                sum(kind == "complete" for kind, *_ in http_out),
                WS_WRITERS * ws_writes,
            ),
            "wall time (s)": round(elapsed, 2),
            "writes/s": round(writes / elapsed, 1),
            "API write latency (ms)": percentiles(http_ms),
            "socket write latency, send -> own card shown (ms)": percentiles(ws_latency),
            "all writes latency (ms)": percentiles([*http_ms, *ws_latency]),
            "API statuses": dict(Counter(status for _kind, status, *_ in http_out)),
            '"database is locked" / OperationalError in the server log': sum(
                log.count(text) for text in LOCKED
            ),
            "error frames on sockets": len(error_frames),
            "socket writes never shown": len(pending) if arrived is None else 0,
            "titles stored twice / missing / unexpected": (
                sum(count > 1 for count in titles.values()),
                len(expected_titles - set(titles)),
                len(set(titles) - expected_titles),
            ),
            "activity lines created / completed (expected)": (
                (verbs["created"], len(created) + WS_WRITERS * ws_writes),
                (verbs["completed"], len(completed)),
            ),
            "completed in the database = completed by the API": done_in_db == set(completed),
            "done cards kept below the 30 a render shows (max per page)": max(
                len(sock.board(team.pk).done_beyond) for sock in writers
            ),
            "of those, not done in the database": len({int(i.split("-")[1]) for i in beyond} - done_in_db),
            "every page shows the database (s)": None if healed is None else round(healed, 2),
            "oob targets missing / duplicate ids": swap_errors(writers),
            "problems": problems,
        }
        await stop_all(writers)
        return figures

    figures = asyncio.run(scenario())
    report("fault 5: 16 concurrent writers", figures)

    assert set(figures["API statuses"]) <= {200, 201}
    assert figures['"database is locked" / OperationalError in the server log'] == 0
    assert figures["error frames on sockets"] == 0
    assert figures["socket writes never shown"] == 0
    assert figures["titles stored twice / missing / unexpected"] == (0, 0, 0)
    (created, expected_created), (done, expected_done) = figures[
        "activity lines created / completed (expected)"
    ]
    assert created == expected_created and done == expected_done
    assert figures["completed in the database = completed by the API"]
    assert figures["of those, not done in the database"] == 0
    assert figures["oob targets missing / duplicate ids"] == (0, 0)
    assert not figures["problems"] and figures["every page shows the database (s)"] is not None
