"""The shipped load tester and the benchmark run end to end (small N; figures are not
asserted, counts are)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from typing import Any

import pytest

from live.loadtest import Options, load_product, percentiles, table
from tests.servers import ROOT
from tests.services import redis_layer, redis_url


def test_load_tester_counts_every_delivery_and_the_servers_work(start_server: Any, team: Any) -> None:
    server = start_server()
    options = Options(
        url=server.url,
        sockets=6,
        users=3,
        events=3,
        rate=20,
        pid=server.process.pid,
        progress=False,
        settle=10,
        max_seconds=60,
    )

    result = load_product(options)

    assert (result.opened, result.failed_opens) == (6, 0)
    assert (result.delivered, result.expected, result.dropped) == (18, 18, 0)
    assert result.server["events"] == 3 and result.server["dropped_events"] == 0
    assert result.server["renders_per_event"] <= 6 and result.server["queries_per_event"] <= 4
    assert set(result.latency_ms) == {"p50", "p95", "p99", "max", "mean"}
    assert "| product | 6 | 6 |" in table([result])


@pytest.mark.redis
def test_the_load_tester_can_write_the_events_itself_as_a_worker_would(
    start_server: Any, team: Any, settings: Any
) -> None:
    """--via orm: the events are made by the load tester's own process with the tasks' action
    and reach the server through Redis, so the server's CPU is the fan-out alone."""
    url = redis_url()
    settings.CHANNEL_LAYERS = redis_layer(url)
    server = start_server(REDIS_URL=url, REDIS_PREFIX=settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"])
    options = Options(
        url=server.url,
        sockets=4,
        users=2,
        events=3,
        rate=20,
        via="orm",
        progress=False,
        settle=10,
        max_seconds=60,
    )

    result = load_product(options)

    assert (result.delivered, result.expected, result.dropped) == (12, 12, 0)
    assert result.server["events"] >= 3 and result.server["dropped_events"] == 0


def test_writing_the_events_itself_needs_the_servers_redis(team: Any) -> None:
    with pytest.raises(ValueError, match="REDIS_URL"):
        load_product(Options(url="http://127.0.0.1:9", sockets=1, via="orm", progress=False))


def test_the_command_writes_json_and_a_plot_with_the_servers_memory(
    start_server: Any, team: Any, tmp_path: Any
) -> None:
    from django.core.management import call_command

    server = start_server()
    figures, picture = tmp_path / "run.json", tmp_path / "run.png"

    call_command(
        "loadtest",
        url=server.url,
        sockets=4,
        events=2,
        rate=20,
        pid=server.process.pid,
        json_path=str(figures),
        plot_path=str(picture),
        quiet=True,
        max_seconds=60,
        stdout=io.StringIO(),
    )

    summary = json.loads(figures.read_text())
    assert (summary["delivered"], summary["expected"], summary["dropped"]) == (8, 8, 0)
    assert summary["server_rss_kb_before"] > 0 and summary["server_rss_kb_after_open"] > 0
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_load_tester_refuses_other_hosts() -> None:
    import asyncio

    from live.loadtest import run_load

    with pytest.raises(ValueError, match="only 127.0.0.1"):
        asyncio.run(run_load(Options(url="http://example.com"), [], "/", None))  # type: ignore[arg-type]


def test_percentiles() -> None:
    assert percentiles(list(map(float, range(1, 101)))) == {
        "p50": 51.0,
        "p95": 96.0,
        "p99": 100.0,
        "max": 100.0,
        "mean": 50.5,
    }


def test_benchmark_runs_end_to_end_against_the_bare_server_too() -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}
    }
    result = subprocess.run(
        [
            sys.executable,
            "scripts/benchmark.py",
            "--sizes",
            "1,4",
            "--events",
            "2",
            "--rate",
            "20",
            "--no-write",
            "--max-seconds",
            "60",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )

    assert result.returncode == 0, result.stderr[-2000:]
    assert "| product (daphne, memory, via api) | 4 | 4 |" in result.stdout
    assert "| bare websockets | 4 | 4 |" in result.stdout
    assert "8/8" in result.stdout  # 4 sockets x 2 events, both peers
