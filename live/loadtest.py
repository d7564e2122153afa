"""The load tester: N authenticated sockets on a live page, M events, and what arrived where
and when.

It runs against a server on this machine (127.0.0.1 unless told otherwise), sharing its
database. What the sockets open and what makes an event is the site's: its load scenario
(``LIVE["LOAD_SCENARIO"]``, a dotted path to a function from :class:`Options` to
:class:`Prepared`; this project's is dashboard/load.py: a board, task events through the REST
API or the tasks' action). Every loop is bounded in count and in time. ``manage.py loadtest
--help`` lists the knobs; scripts/benchmark.py runs it for several N side by side with a bare
``websockets`` broadcast server.

The same code drives that bare server (``target="bare"``): there an event is a message on a
control socket, which the server broadcasts to every other socket.
"""

from __future__ import annotations

import asyncio
import gc
import json
import re
import statistics
import sys
import time
import urllib.request
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlsplit

import websockets
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Origin

from live.procstats import cpu_seconds, idle_cpu, rss_kb

LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


@dataclass
class Options:
    url: str = "http://127.0.0.1:8000"
    sockets: int = 100
    events: int = 10
    rate: float = 5.0  # events per second
    users: int = 50  # distinct users behind the sockets (the rest are extra tabs)
    ramp: int = 50  # handshakes in flight while opening (= sockets: a storm, all at once)
    settle: float = 10.0  # seconds to wait for the last deliveries
    idle_seconds: float = 3.0  # the server's idle CPU is measured this long before the events
    max_seconds: float = 600.0  # the whole run, whatever happens
    pid: int | None = None  # the server's process id, for its memory and CPU
    target: str = "product"  # or "bare"
    via: str = "api"  # how events are made: "api" (REST calls to the server) or "orm" (actions run
    # here, as a Celery worker or a cron job would: the server's CPU is then the fan-out alone)
    board: str = "team"
    allow_remote: bool = False
    progress: bool = True


@dataclass
class Result:
    target: str
    sockets: int
    events: int
    opened: int = 0
    failed_opens: int = 0
    open_errors: dict[str, int] = field(default_factory=dict)
    open_seconds: float = 0.0
    handshake_ms: dict[str, float] = field(default_factory=dict)
    expected: int = 0
    delivered: int = 0
    dropped: int = 0
    latency_ms: dict[str, float] = field(default_factory=dict)
    deliveries_per_second: float = 0.0
    server_rss_kb_before: int | None = None
    server_rss_kb_after_open: int | None = None
    server_kb_per_socket: float | None = None
    server_cpu_us_per_delivery: float | None = None
    server_idle_cpu_ms_per_s: float | None = None  # the server's CPU with the sockets open and no events
    server_cpu_us_per_delivery_net: float | None = None  # the above, less what it spends idle meanwhile
    server: dict[str, Any] = field(default_factory=dict)  # per-event renders and queries (product)
    frame_bytes: int = 0
    latencies: list[float] = field(default_factory=list, repr=False)
    sample_frame: str = field(default="", repr=False)

    def summary(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("latencies")
        data.pop("sample_frame")
        return data


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    ordered = sorted(values)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)

    return {
        "p50": at(0.5),
        "p95": at(0.95),
        "p99": at(0.99),
        "max": round(ordered[-1], 2),
        "mean": round(statistics.fmean(ordered), 2),
    }


def api(options: Options, token: str, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    request = urllib.request.Request(
        options.url.rstrip("/") + path,
        data=json.dumps(body).encode() if body is not None else None,
        method=method,
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"null")


# --- the run ---------------------------------------------------------------------------------------


class Run:
    def __init__(self, options: Options, cookies: list[str], ws_path: str) -> None:
        self.options = options
        self.cookies = cookies or [""]
        self.ws_url = options.url.replace("http", "ws", 1).rstrip("/") + ws_path
        self.origin = options.url.rstrip("/")
        self.marker = re.compile(r"load-([0-9a-f]{8})-(\d+)")
        self.run_id = uuid.uuid4().hex[:8]
        self.sent_at: dict[int, float] = {}
        self.arrivals: dict[int, list[float]] = {}
        self.sockets: list[ClientConnection] = []
        self.handshakes: list[float] = []
        self.failed = 0
        self.errors: Counter[str] = Counter()
        self.frame_bytes = 0
        self.sample_frame = ""

    def title(self, index: int) -> str:
        return f"load-{self.run_id}-{index}"

    async def open_one(self, index: int) -> None:
        started = time.perf_counter()
        try:
            socket = await connect(
                self.ws_url,
                additional_headers={"Cookie": self.cookies[index % len(self.cookies)]},
                origin=Origin(self.origin),
                compression=None,
                max_size=None,
                open_timeout=30,
                ping_interval=None,
            )
            if self.options.target == "product":
                await asyncio.wait_for(socket.recv(), 30)  # the snapshot
        except (TimeoutError, OSError, websockets.WebSocketException) as exc:
            self.failed += 1
            self.errors[f"{type(exc).__name__}: {exc}"[:120]] += 1
            return
        self.handshakes.append((time.perf_counter() - started) * 1000)
        self.sockets.append(socket)

    async def open_all(self) -> float:
        started = time.perf_counter()
        queue = iter(range(self.options.sockets))
        done = 0

        async def worker() -> None:
            nonlocal done
            for index in queue:
                await self.open_one(index)
                done += 1
                if self.options.progress and (done % 50 == 0 or done == self.options.sockets):
                    bar = "#" * int(30 * done / self.options.sockets)
                    print(f"\r  opening [{bar:<30}] {done}/{self.options.sockets}", end="", file=sys.stderr)

        await asyncio.gather(*(worker() for _ in range(min(self.options.ramp, self.options.sockets))))
        if self.options.progress:
            print(file=sys.stderr)
        return time.perf_counter() - started

    async def listen(self, socket: ClientConnection) -> None:
        seen: set[int] = set()
        try:
            async for message in socket:
                now = time.perf_counter()
                text = message if isinstance(message, str) else message.decode()
                for run_id, index in self.marker.findall(text):
                    event = int(index)
                    if run_id == self.run_id and event in self.sent_at and event not in seen:
                        seen.add(event)
                        self.arrivals[event].append(now)
                        if not self.sample_frame:
                            self.sample_frame = text.replace(self.title(event), "{marker}")
                            self.frame_bytes = len(text.encode())
        except websockets.ConnectionClosed:
            pass

    async def fire(self, trigger: Callable[[int], Awaitable[None]]) -> float:
        interval = 1.0 / self.options.rate if self.options.rate > 0 else 0
        started = time.perf_counter()
        for index in range(self.options.events):
            self.arrivals[index] = []
            self.sent_at[index] = time.perf_counter()
            await trigger(index)
            next_at = started + (index + 1) * interval
            await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
        return time.perf_counter() - started

    async def settle(self, expected_per_event: int) -> None:
        deadline = time.perf_counter() + self.options.settle
        while time.perf_counter() < deadline:
            if all(len(a) >= expected_per_event for a in self.arrivals.values()):
                return
            await asyncio.sleep(0.05)


async def run_load(
    options: Options,
    cookies: list[str],
    ws_path: str,
    trigger_factory: Callable[[Run], Awaitable[Callable[[int], Awaitable[None]]]],
    before_events: Callable[[], Any] | None = None,
) -> Result:
    """Open the sockets, fire the events, collect the figures. ``before_events`` runs (in a
    thread) once the sockets are open, just before the first event."""
    host = urlsplit(options.url).hostname or ""
    if host not in LOOPBACK and not options.allow_remote:
        raise ValueError(f"refusing to load-test {host}: only 127.0.0.1 unless allow_remote is set")
    result = Result(target=options.target, sockets=options.sockets, events=options.events)
    run = Run(options, cookies, ws_path)
    result.server_rss_kb_before = rss_kb(options.pid)

    result.open_seconds = round(await run.open_all(), 3)
    result.opened, result.failed_opens, result.open_errors = len(run.sockets), run.failed, dict(run.errors)
    result.handshake_ms = percentiles(run.handshakes)
    await asyncio.sleep(1.0)  # let the server settle after the ramp
    result.server_rss_kb_after_open = rss_kb(options.pid)
    if result.server_rss_kb_before and result.server_rss_kb_after_open and result.opened:
        grown = result.server_rss_kb_after_open - result.server_rss_kb_before
        result.server_kb_per_socket = round(grown / result.opened, 1)

    # The load generator's own full garbage collections (a thousand open client sockets) would
    # stall its reading by tens of milliseconds and show up as server latency: keep what is
    # alive now out of them for the run.
    gc.freeze()
    listeners = [asyncio.create_task(run.listen(socket)) for socket in run.sockets]
    trigger = await trigger_factory(run)
    if before_events is not None:
        await asyncio.to_thread(before_events)
    idle_rate = await idle_cpu(options.pid, options.idle_seconds)  # heartbeats, presence, checks...
    if idle_rate is not None:
        result.server_idle_cpu_ms_per_s = round(idle_rate * 1000, 1)
    cpu_before = cpu_seconds(options.pid)
    fire_started = time.perf_counter()
    await run.fire(trigger)
    await run.settle(len(run.sockets))
    elapsed = time.perf_counter() - fire_started
    cpu_after = cpu_seconds(options.pid)

    latencies = [
        (arrived - run.sent_at[event]) * 1000 for event, times in run.arrivals.items() for arrived in times
    ]
    result.expected = result.opened * options.events
    result.delivered = len(latencies)
    result.dropped = result.expected - result.delivered
    result.latency_ms = percentiles(latencies)
    result.latencies = latencies
    result.deliveries_per_second = round(result.delivered / elapsed, 1) if elapsed else 0.0
    result.frame_bytes, result.sample_frame = run.frame_bytes, run.sample_frame
    if cpu_before is not None and cpu_after is not None and result.delivered:
        result.server_cpu_us_per_delivery = round((cpu_after - cpu_before) * 1e6 / result.delivered, 1)
        if idle_rate is not None:
            used = max(0.0, cpu_after - cpu_before - idle_rate * elapsed)
            result.server_cpu_us_per_delivery_net = round(used * 1e6 / result.delivered, 1)

    for task in listeners:
        task.cancel()
    await asyncio.gather(*(socket.close() for socket in run.sockets), return_exceptions=True)
    await asyncio.gather(*listeners, return_exceptions=True)
    gc.unfreeze()
    return result


def bare_trigger(payload: str) -> Callable[[Run], Awaitable[Any]]:
    """Events for the bare server: a message on a control socket, broadcast to the others."""

    async def factory(run: Run) -> Callable[[int], Awaitable[None]]:
        control = await connect(run.ws_url + "?control=1", compression=None, max_size=None)

        async def broadcast(index: int) -> None:
            await control.send(payload.replace("{marker}", run.title(index)))

        return broadcast

    return factory


@dataclass
class Prepared:
    """What a site's load scenario (``LIVE["LOAD_SCENARIO"]``) hands the load tester: session
    cookies to cycle over the sockets, a staff API token (it reads ``/live/stats/``), the
    WebSocket path to open, and the events' trigger: given the run, a coroutine function that
    makes event ``index`` (its text must carry ``run.title(index)``)."""

    cookies: list[str]
    token: str
    ws_path: str
    trigger: Callable[[Run], Awaitable[Callable[[int], Awaitable[None]]]]


def scenario(path: str | None = None) -> Callable[[Options], Prepared]:
    """The site's load scenario: ``path`` (a dotted path) or ``LIVE["LOAD_SCENARIO"]``."""
    from django.conf import settings
    from django.utils.module_loading import import_string

    path = path or settings.LIVE.get("LOAD_SCENARIO")
    if not path:
        raise ValueError('no load scenario: set LIVE["LOAD_SCENARIO"] to a dotted path')
    return import_string(path)


def load_product(options: Options, scenario_path: str | None = None) -> Result:
    """The whole run against the site: prepare with its scenario, snapshot the server's
    counters, run, diff them."""
    prepared = scenario(scenario_path)(options)
    before: dict[str, Any] = {}

    def read_counters() -> None:
        before.update(api(options, prepared.token, "GET", "/live/stats/"))

    result = asyncio.run(
        asyncio.wait_for(
            run_load(
                options, prepared.cookies, prepared.ws_path, prepared.trigger, before_events=read_counters
            ),
            options.max_seconds,
        )
    )
    after = api(options, prepared.token, "GET", "/live/stats/")
    events = max(1, after.get("events", 0) - before.get("events", 0))
    result.server = {
        "events": after.get("events", 0) - before.get("events", 0),
        "renders_per_event": round((after.get("renders", 0) - before.get("renders", 0)) / events, 2),
        "queries_per_event": round((after.get("queries", 0) - before.get("queries", 0)) / events, 2),
        "dropped_events": after.get("dropped", 0) - before.get("dropped", 0),
        "fanout_p50_ms": after.get("fanout_p50_ms"),
        "fanout_p99_ms": after.get("fanout_p99_ms"),
    }
    return result


def table(results: list[Result]) -> str:
    """A Markdown table of runs."""
    head = (
        "| target | N | opened | open s | handshake p99 ms | delivered/expected | latency p50 / p95 / p99 / max ms "
        "| deliveries/s | server µs/delivery (net of idle) | server idle ms/s | server KB/socket "
        "| renders, queries per event |"
    )
    rows = [head, "|" + "---|" * 12]
    for r in results:
        lat = r.latency_ms
        per_event = f"{r.server['renders_per_event']}, {r.server['queries_per_event']}" if r.server else "n/a"
        rows.append(
            f"| {r.target} | {r.sockets} | {r.opened} | {r.open_seconds} | {r.handshake_ms.get('p99', '')} "
            f"| {r.delivered}/{r.expected} | {lat.get('p50', '')} / {lat.get('p95', '')} / {lat.get('p99', '')} / "
            f"{lat.get('max', '')} | {r.deliveries_per_second} | {r.server_cpu_us_per_delivery} "
            f"({r.server_cpu_us_per_delivery_net}) | {r.server_idle_cpu_ms_per_s} | {r.server_kb_per_socket} | {per_event} |"
        )
    return "\n".join(rows)


def plot(results: list[Result], path: str) -> bool:
    """Latency distribution per run and, for several N, p50/p99 against N. False without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    fig, (dist, scale) = plt.subplots(1, 2, figsize=(12, 4.5))
    for r in results:
        if r.latencies:
            ordered = sorted(r.latencies)
            dist.plot(
                ordered, [i / len(ordered) for i in range(len(ordered))], label=f"{r.target} N={r.sockets}"
            )
    dist.set_xscale("log")
    dist.set_xlabel("fan-out latency (ms, log)")
    dist.set_ylabel("share of deliveries")
    dist.set_title("Latency distribution")
    dist.legend(fontsize=8)
    for target in sorted({r.target for r in results}):
        runs = sorted((r for r in results if r.target == target and r.latency_ms), key=lambda r: r.sockets)
        for q, style in (("p50", "-o"), ("p99", "--o")):
            scale.plot(
                [r.sockets for r in runs], [r.latency_ms[q] for r in runs], style, label=f"{target} {q}"
            )
    scale.set_xscale("log")
    scale.set_yscale("log")
    scale.set_xlabel("open sockets (N)")
    scale.set_ylabel("latency (ms)")
    scale.set_title("Latency against N")
    scale.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True
