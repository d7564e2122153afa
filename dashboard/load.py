"""This site's load scenario for the engine's load tester (live/loadtest.py, ``manage.py
loadtest``; named by ``LIVE["LOAD_SCENARIO"]``): sockets on a board's page, each event a task
created on it, through the REST API (``--via api``) or with the tasks' own action in the load
tester's process, as a Celery worker would write (``--via orm``).

Users and sessions are written straight into the server's database (no password hashing, so
5000 sessions take a second), and a staff token drives the API.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from live.loadtest import Options, Prepared, Run, api


def board_load(options: Options) -> Prepared:
    """Sockets on ``options.board``'s page; each event a task created on that board."""
    cookies, token, board_id = prepare_product(options)
    trigger = orm_trigger(board_id) if options.via == "orm" else product_trigger(options, token, board_id)
    return Prepared(cookies=cookies, token=token, ws_path=f"/ws/boards/{board_id}/", trigger=trigger)


def prepare_product(options: Options) -> tuple[list[str], str, int]:
    """Session cookies for ``options.users`` users (cycled over the sockets), a staff API
    token and the board id. Needs Django set up on the server's database."""
    from django.contrib.auth import get_user_model
    from django.contrib.sessions.backends.db import SessionStore
    from rest_framework.authtoken.models import Token

    from tasks.models import Board

    User = get_user_model()
    board = Board.objects.get(slug=options.board)
    existing = {u.username: u for u in User.objects.filter(username__startswith="load-")}
    missing = [f"load-{i:05d}" for i in range(options.users) if f"load-{i:05d}" not in existing]
    users = User.objects.bulk_create(
        [User(username=name, password="!", first_name="Load") for name in missing]
    )
    users = [*existing.values(), *users][: options.users]
    cookies = []
    for user in users:
        session = SessionStore()
        session["_auth_user_id"] = str(user.pk)
        session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
        session["_auth_user_hash"] = user.get_session_auth_hash()
        session.create()
        cookies.append(f"sessionid={session.session_key}")
    driver, _ = User.objects.get_or_create(
        username="load-driver", defaults={"is_staff": True, "password": "!"}
    )
    if not driver.is_staff:
        driver.is_staff = True
        driver.save(update_fields=["is_staff"])
    token, _ = Token.objects.get_or_create(user=driver)
    return cookies, token.key, board.pk


def product_trigger(options: Options, token: str, board_id: int) -> Callable[[Run], Awaitable[Any]]:
    async def factory(run: Run) -> Callable[[int], Awaitable[None]]:
        async def create(index: int) -> None:
            await asyncio.to_thread(
                api, options, token, "POST", "/api/tasks/", {"title": run.title(index), "board": board_id}
            )

        return create

    return factory


def orm_trigger(board_id: int) -> Callable[[Run], Awaitable[Any]]:
    """Events written by this process through the tasks' own action (``tasks.actions``), the
    way a Celery worker or a management command writes: they reach the server through the
    shared channel layer, so the server's CPU during the run is the fan-out alone, as for
    the bare server, whose events also come from outside."""
    from concurrent.futures import ThreadPoolExecutor

    from django.conf import settings

    if "Redis" not in settings.CHANNEL_LAYERS["default"]["BACKEND"]:
        raise ValueError(
            "--via orm needs the server's channel layer: set REDIS_URL (and REDIS_PREFIX) as it has"
        )

    async def factory(run: Run) -> Callable[[int], Awaitable[None]]:
        from django.contrib.auth import get_user_model

        from tasks import actions
        from tasks.models import Board

        writer = ThreadPoolExecutor(1, thread_name_prefix="loadtest-orm")  # one connection, reused
        loop = asyncio.get_running_loop()
        board = await loop.run_in_executor(writer, lambda: Board.objects.get(pk=board_id))
        driver = await loop.run_in_executor(
            writer, lambda: get_user_model().objects.get(username="load-driver")
        )

        async def create(index: int) -> None:
            await loop.run_in_executor(
                writer, lambda: actions.task_create(board=board, by=driver, title=run.title(index))
            )

        return create

    return factory
