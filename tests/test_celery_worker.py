"""A real Celery worker on Redis sends the reminder; it reaches a socket held by a separate
server process. Running the job twice notifies once."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from websockets.asyncio.client import connect

from notifications.models import Kind, Notification
from tasks import actions
from tests.servers import ROOT
from tests.services import database_url, redis_url

pytestmark = pytest.mark.redis


@pytest.fixture
def worker(transactional_db: Any) -> Any:
    url = redis_url()
    env = {
        **os.environ,
        "REDIS_URL": url,
        "REDIS_PREFIX": "celerytest",
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "DATABASE_URL": database_url(),
        "PATH": f"{os.path.dirname(sys.executable)}:{os.environ['PATH']}",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "dashboard",
            "worker",
            "--pool=solo",
            "--loglevel=warning",
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    yield url
    process.terminate()
    process.wait(timeout=20)


def run_on_worker(url: str) -> int:
    """Send the task through Redis, as beat would, and wait for the worker's answer."""
    from celery import Celery

    sender = Celery("sender", broker=url, backend=url)
    try:
        return sender.send_task("notifications.tasks.send_due_today_reminders").get(timeout=30)
    finally:
        sender.close()


def test_the_worker_reminds_a_user_whose_board_is_open_on_another_process(
    worker: str, start_server: Any, team: Any, alice: Any
) -> None:
    server = start_server(REDIS_URL=worker, REDIS_PREFIX="celerytest")
    actions.task_create(board=team, by=alice, title="Due now", due_date=timezone.localdate())
    client = Client()
    client.force_login(alice)
    cookie = f"sessionid={client.cookies['sessionid'].value}"

    async def scenario() -> tuple[str, list[str]]:
        async with connect(
            server.url.replace("http", "ws") + f"/ws/boards/{team.pk}/",
            additional_headers={"Cookie": cookie},
            origin=server.url,
        ) as socket:
            await asyncio.wait_for(socket.recv(), 10)  # the snapshot
            sent = [await asyncio.to_thread(run_on_worker, worker) for _ in range(2)]
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                frame = await asyncio.wait_for(socket.recv(), 10)
                if 'id="notif-badge"' in frame:
                    return frame, sent
        raise AssertionError("no notification arrived")

    frame, sent = asyncio.run(scenario())

    assert sent == [1, 0]
    assert 'data-count="1"' in frame and "1 task due today: ‘Due now’" in frame
    assert Notification.objects.filter(recipient=alice, kind=Kind.DUE_TODAY).count() == 1
