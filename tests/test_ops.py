"""The realtime ops page and the counters behind it."""

from __future__ import annotations

from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.test import Client

from live.hub import Hub
from tests.frames import next_frame

pytestmark = pytest.mark.django_db(transaction=True)


def get_ops(user: Any, **headers: str) -> Any:
    client = Client()
    client.force_login(user)
    return client.get("/live/ops/", **headers)


async def test_staff_see_each_process_with_its_sockets_and_topics(
    connect: Any, team: Any, alice: Any, admin_user: Any
) -> None:
    for _ in range(3):
        socket = await connect(f"/ws/boards/{team.pk}/", alice)
        await next_frame(socket, 3)
    hub = await Hub.current()
    await hub.reporter.report(hub.figures())

    page = await database_sync_to_async(get_ops)(admin_user)
    table = await database_sync_to_async(get_ops)(admin_user, HTTP_HX_REQUEST="true")

    html = page.content.decode()
    assert page.status_code == 200 and 'hx-trigger="every 2s"' in html
    assert f"board.{team.pk}: 3" in html
    assert table.content.decode().startswith('<div id="ops-table"')


async def test_the_ops_page_and_stats_are_for_staff_only(alice: Any, team: Any) -> None:
    page = await database_sync_to_async(get_ops)(alice)

    def stats() -> int:
        client = Client()
        client.force_login(alice)
        return client.get("/live/stats/").status_code

    assert page.status_code == 403  # not sent to the admin login (issue 13)
    assert await database_sync_to_async(stats)() == 403


async def test_the_table_shows_the_event_rate_fan_out_times_and_drops(
    connect: Any, team: Any, alice: Any, admin_user: Any
) -> None:
    from live import stats
    from tasks import actions

    socket = await connect(f"/ws/boards/{team.pk}/", alice)
    await next_frame(socket, 3)
    hub = await Hub.current()
    await hub.reporter.report(hub.figures())  # the baseline of the rate
    for title in ("One", "Two"):
        await database_sync_to_async(actions.task_create)(board=team, by=alice, title=title)
        await next_frame(socket, 3)
    stats.counters["dropped"] += 1  # as the hub counts an event that never came
    await hub.reporter.report(hub.figures())

    html = (await database_sync_to_async(get_ops)(admin_user, HTTP_HX_REQUEST="true")).content.decode()

    row = html[html.index("<tbody") :]
    cells = [cell.strip() for cell in row.split('<td class="px-3 py-2 text-right tabular-nums')[1:5]]
    events_per_s = float(cells[1].split(">", 1)[1].split("<", 1)[0])
    fanout = cells[2].split(">", 1)[1].split("<", 1)[0]
    dropped = cells[3].split(">", 1)[1].split("<", 1)[0]
    assert events_per_s > 0
    assert "–" not in fanout and all(float(ms) >= 0 for ms in fanout.split(" / "))
    assert dropped == "1" and "text-red-700" in cells[3]
