"""Rough cost of each fast path (live/fast/) against its plain public path, printed in µs per
call; the figures in live/fast/*.py's docstrings come from here. Nothing is asserted.

    python scripts/internals_bench.py          (SQLite in a temporary file; Redis if REDIS_URL)
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import timeit
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")
os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"


def per_call(function: object, number: int = 2000) -> float:
    return min(timeit.repeat(function, number=number, repeat=3)) / number * 1e6  # type: ignore[arg-type]


def show(name: str, fast: float, plain: float) -> None:
    print(f"{name:<44} fast {fast:8.1f} µs   plain {plain:8.1f} µs")


def uvicorn_frames() -> None:
    import asyncio as aio

    from websockets.protocol import State
    from websockets.server import ServerProtocol

    from live.fast import uvicorn as fast_uvicorn
    from live.wire import Outgoing

    text = "x" * 2000  # about a task card's fragment
    sink = SimpleNamespace(write=lambda data: None, is_closing=lambda: False)
    protocol = ServerProtocol()
    protocol.state = State.OPEN
    writable = aio.Event()
    writable.set()
    connection = SimpleNamespace(
        conn=protocol,
        transport=sink,
        disconnected=False,
        close_sent=False,
        handshake_complete=True,
        initial_response=None,
        writable=writable,
    )
    frame = Outgoing(text)
    frame.wire  # noqa: B018 (encoded once for every socket)

    def plain() -> None:
        protocol.send_text(text.encode())
        for data in protocol.data_to_send():
            sink.write(data)

    show(
        "uvicorn: one socket's frame of an event",
        per_call(lambda: fast_uvicorn.write(connection, frame.wire)),
        per_call(plain),
    )


def django_paths() -> None:
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from django.contrib.auth import get_user_model
    from django.contrib.sessions.backends import db

    from live.cache import PreparedQuery
    from live.fast import django_sessions
    from tasks.models import Board, Task

    user = get_user_model().objects.create_user("bench")
    board = Board.objects.create(name="Bench", slug="bench")
    task = Task.objects.create(board=board, title="t", assignee=user, created_by=user)
    build = lambda pk, b: Task.objects.filter(pk=pk, board_id=b).select_related("assignee", "created_by")  # noqa: E731
    query = PreparedQuery(build, -7001, -7002)
    show(
        "ORM: a task with two select_related people",
        per_call(lambda: query._compiled.objects((task.pk, board.pk)), 500),
        per_call(lambda: list(build(task.pk, board.pk)), 500),
    )
    seq = PreparedQuery(lambda pk: Board.objects.filter(pk=pk).values_list("seq"), -7001)
    show(
        "ORM: a one-column read",
        per_call(lambda: seq._compiled.rows((board.pk,)), 500),
        per_call(lambda: list(seq.build(board.pk)), 500),
    )
    store = db.SessionStore()
    store["_auth_user_id"] = str(user.pk)
    store.create()
    key = store.session_key
    show(
        "sessions: load one session",
        per_call(lambda: django_sessions.DatabaseSession(key).load(), 500),
        per_call(lambda: db.SessionStore(key).load(), 500),
    )


def channels_redis_check() -> None:
    url = os.environ.get("REDIS_URL")
    if not url:
        print("channels-redis: set REDIS_URL to measure the membership check")
        return
    from channels_redis.core import RedisChannelLayer

    from live.fast import channels_redis

    async def run() -> float:
        layer = RedisChannelLayer(hosts=[url], prefix="bench")
        channel = await layer.new_channel()
        await layer.group_add("bench", channel)
        loop = asyncio.get_running_loop()
        start, n = loop.time(), 500
        for _ in range(n):
            await channels_redis.lists(layer, "bench", channel)
        took = (loop.time() - start) / n * 1e6
        await layer.flush()
        return took

    print(
        f"{'channels-redis: the membership check':<44} fast {asyncio.run(run()):8.1f} µs   plain (skipped)      0.0 µs"
    )


if __name__ == "__main__":
    uvicorn_frames()
    django_paths()
    channels_redis_check()
