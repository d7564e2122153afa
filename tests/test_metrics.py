"""The Prometheus endpoint: who may read it, and the live engine's figures in it, in one
process and from both workers of a real two-worker production server."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.request
from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families
from rest_framework.authtoken.models import Token
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import InvalidStatus

from live.hub import Hub
from tasks import actions
from tests.frames import next_frame
from tests.services import redis_url

pytestmark = pytest.mark.django_db(transaction=True)


def samples(text: str) -> dict[str, list[tuple[dict[str, str], float]]]:
    """sample name -> [(labels, value)]"""
    found: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found.setdefault(sample.name, []).append((sample.labels, sample.value))
    return found


def total(found: dict[str, list[tuple[dict[str, str], float]]], name: str, **labels: str) -> float:
    return sum(v for ls, v in found.get(name, []) if all(ls.get(k) == w for k, w in labels.items()))


def get_metrics(user: Any = None, **headers: str) -> Any:
    client = Client(HTTP_HOST="localhost")
    if user is not None:
        client.force_login(user)
    return client.get("/metrics", **headers)


def test_only_staff_or_the_bearer_of_the_token_may_read_it(
    alice: Any, admin_user: Any, settings: Any
) -> None:
    settings.METRICS_TOKEN = "s3cret-scrape-token"

    assert get_metrics().status_code == 403
    assert get_metrics(alice).status_code == 403
    assert get_metrics(HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    by_staff = get_metrics(admin_user)
    by_token = get_metrics(HTTP_AUTHORIZATION="Bearer s3cret-scrape-token")
    assert by_staff.status_code == by_token.status_code == 200
    assert by_token["Content-Type"].startswith("text/plain; version=")
    assert "# TYPE taskboard_live_fanout_seconds histogram" in by_token.content.decode()


def test_without_a_token_setting_no_bearer_is_let_in(settings: Any) -> None:
    settings.METRICS_TOKEN = ""

    assert get_metrics(HTTP_AUTHORIZATION="Bearer ").status_code == 403


async def test_sockets_events_fan_out_and_refusals_by_reason(
    connect: Any, team: Any, alice: Any, admin_user: Any
) -> None:
    before = samples((await database_sync_to_async(get_metrics)(admin_user)).content.decode())
    for _ in range(2):
        await next_frame(await connect(f"/ws/boards/{team.pk}/", alice), 3)
    anonymous = await connect(f"/ws/boards/{team.pk}/")
    foreign = await connect(f"/ws/boards/{team.pk}/", alice, origin=(b"origin", b"http://evil.example"))
    nowhere = await connect("/ws/no-such-page/", alice)
    await database_sync_to_async(actions.task_create)(board=team, by=alice, title="Counted")
    hub = await Hub.current()
    for _ in range(50):
        if hub.figures()["sockets"] == 2 and hub.reporter.latest.get("events"):
            break
        await hub.reporter.report(hub.figures())
        await asyncio.sleep(0.05)

    after = samples((await database_sync_to_async(get_metrics)(admin_user)).content.decode())

    assert anonymous.connected and not foreign.connected and not nowhere.connected
    assert total(after, "taskboard_live_sockets") == 2 and total(after, "taskboard_live_topics") >= 1
    grew = lambda name, **labels: total(after, name, **labels) - total(before, name, **labels)  # noqa: E731
    assert grew("taskboard_live_events_total") >= 1
    assert grew("taskboard_live_fanout_seconds_count") >= 1
    assert grew("taskboard_live_deliveries_total") >= 2
    assert grew("taskboard_live_handshakes_refused_total", reason="signed_out") == 1
    assert grew("taskboard_live_handshakes_refused_total", reason="origin") == 1
    assert grew("taskboard_live_handshakes_refused_total", reason="unknown_path") == 1


@pytest.mark.redis
def test_one_scrape_of_a_two_worker_server_has_both_workers_figures(
    start_server: Any, team: Any, alice: Any, bob: Any
) -> None:
    server = start_server(
        script="serve-prod.sh",
        WEB_CONCURRENCY="2",
        REDIS_URL=redis_url(),
        REDIS_PREFIX="metrics",
        METRICS_TOKEN="scrape-me",
    )
    token = Token.objects.create(user=alice).key
    client = Client()
    client.force_login(bob)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    ws_url = server.url.replace("http", "ws") + f"/ws/boards/{team.pk}/"

    def scrape() -> dict[str, list[tuple[dict[str, str], float]]]:
        request = urllib.request.Request(
            server.url + "/metrics", headers={"Authorization": "Bearer scrape-me"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return samples(response.read().decode())

    async def until(check: Any, seconds: float = 15) -> dict[str, list[tuple[dict[str, str], float]]]:
        deadline = time.monotonic() + seconds
        while True:
            found = await asyncio.to_thread(scrape)
            if check(found) or time.monotonic() > deadline:
                return found
            await asyncio.sleep(0.5)

    def workers_with_sockets(found: dict[str, list[tuple[dict[str, str], float]]]) -> set[str]:
        return {labels["pid"] for labels, value in found.get("taskboard_live_sockets", []) if value > 0}

    async def scenario() -> tuple[int, dict[str, list[tuple[dict[str, str], float]]]]:
        sockets = []
        try:
            # connections are spread over the workers by the kernel: open until both hold some
            while len(sockets) < 16:
                socket = await ws_connect(ws_url, additional_headers={"Cookie": cookie}, origin=server.url)
                sockets.append(socket)
                await asyncio.wait_for(socket.recv(), 10)  # snapshot
                found = await until(lambda f: total(f, "taskboard_live_sockets") == len(sockets))  # noqa: B023
                if len(workers_with_sockets(found)) == 2:
                    break
            refused = await ws_connect(ws_url, origin=server.url)  # no session: 4401
            await asyncio.wait_for(refused.wait_closed(), 10)
            with pytest.raises(InvalidStatus):
                await ws_connect(ws_url, additional_headers={"Cookie": cookie}, origin="http://evil.example")
            request = urllib.request.Request(
                server.url + "/api/tasks/",
                data=json.dumps({"title": "Seen by both workers"}).encode(),
                headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
            )
            await asyncio.to_thread(urllib.request.urlopen, request, timeout=10)
            found = await until(
                lambda f: (
                    total(f, "taskboard_live_fanout_seconds_count") >= 2
                    and total(f, "taskboard_live_handshakes_refused_total", reason="origin") >= 1
                    and total(f, "taskboard_live_handshakes_refused_total", reason="signed_out") >= 1
                )
            )
            return len(sockets), found
        finally:
            for socket in sockets:
                await socket.close()

    opened, found = asyncio.run(scenario())

    assert len(workers_with_sockets(found)) == 2, found.get("taskboard_live_sockets")
    assert total(found, "taskboard_live_sockets") == opened
    assert total(found, "taskboard_live_events_total") >= 2  # each worker's hub heard the event once
    assert total(found, "taskboard_live_fanout_seconds_count") >= 2
    assert total(found, "taskboard_live_deliveries_total") >= opened
    assert total(found, "taskboard_live_handshakes_refused_total", reason="signed_out") == 1
    assert total(found, "taskboard_live_handshakes_refused_total", reason="origin") == 1
