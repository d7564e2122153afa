"""With the channels-redis layer (the machine runs Redis): live updates, and writes from
another process reaching this process's sockets."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from channels.db import database_sync_to_async

from tasks import actions
from tests.frames import by_id, next_frame
from tests.services import database_url, redis_layer, redis_url

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def redis(settings: Any) -> str:
    url = redis_url()
    settings.CHANNEL_LAYERS = redis_layer(url)
    return url


async def test_live_update_over_redis(redis: str, connect: Any, team: Any, alice: Any, bob: Any) -> None:
    socket = await connect(f"/ws/boards/{team.pk}/", bob)
    await next_frame(socket, 3)

    task = await database_sync_to_async(actions.task_create)(board=team, by=alice, title="Through Redis")

    frame = by_id(await next_frame(socket, 5))
    assert frame[f"board-{team.pk}-open"].children_ids == [f"task-{task.pk}"]


async def test_a_write_from_another_process_reaches_a_socket(
    redis: str, connect: Any, team: Any, bob: Any
) -> None:
    socket = await connect(f"/ws/boards/{team.pk}/", bob)
    await next_frame(socket, 3)
    script = (
        "from tasks.models import Board, Task; "
        "Task.objects.create(board=Board.objects.get(is_default=True), title='From manage.py shell')"
    )
    env = {**os.environ, "REDIS_URL": redis, "REDIS_PREFIX": "livetest", "DATABASE_URL": database_url()}

    result = await database_sync_to_async(subprocess.run)(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    frame = by_id(await next_frame(socket, 10))
    assert "From manage.py shell" in frame[f"board-{team.pk}-open"].text
    assert "Someone created ‘From manage.py shell’" in frame[f"board-{team.pk}-activity"].text
