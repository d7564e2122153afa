"""The fault harness shared by tests/test_faults*.py and scripts/reliability.py.

- :class:`RedisProcess`: a redis-server of the test's own, on a free loopback port, keeping
  nothing on disk, that a test may SIGKILL and restart empty (never the machine's shared one).
- :class:`HtmxSocket`: one browser page's socket as htmx-ext-ws 2.0.4 runs it: it reconnects
  only after close codes 1006, 1011, 1012 and 1013, after a delay drawn uniformly from
  [0, 2^min(n, 6)] seconds (n failed attempts since the last open; reset on open), and
  queues what it sends while not open. Every frame is applied to a :class:`tests.dom.Page`,
  so a test can compare what the page shows with a fresh render.
- helpers to read the truth: the database's lists (:func:`db_board`) and a fresh server
  render for a user (:func:`fresh_board`), and to wait for convergence (:func:`until`).

Everything is loopback-only and bounded in time.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import websockets
from websockets.asyncio.client import ClientConnection, connect

from tests.dom import BoardView, Page, page_of

RETRY_CODES = frozenset({1006, 1011, 1012, 1013})  # htmx-ext-ws 2.0.4 reconnects after these only
MAX_EXPONENT = 6


class Missing(RuntimeError):
    """A binary or service the fault needs is not on this machine."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentiles(values: Iterable[float]) -> dict[str, float]:
    ordered = sorted(values)
    if not ordered:
        return {}

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)

    return {"p50": at(0.5), "p95": at(0.95), "p99": at(0.99), "max": round(ordered[-1], 2)}


def cookie_for(user: Any) -> str:
    """The ``Cookie`` header of a signed-in page of ``user`` (a session made in the test database)."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


# --- Redis of our own ---------------------------------------------------------------------------


class RedisProcess:
    """``redis-server`` on a free 127.0.0.1 port with ``--save "" --appendonly no``: a restart
    comes back empty (every group membership and queued message gone)."""

    def __init__(self, port: int | None = None) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise Missing("redis-server is not installed (apt-get install redis-server)")
        self.binary = binary
        self.port = port or free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.dir = tempfile.mkdtemp(prefix="faults-redis-")
        self.process: subprocess.Popen[bytes] | None = None
        self.start()

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
                "--dir",
                self.dir,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        import redis

        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
                client.ping()
                client.close()
                return
            except redis.RedisError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.05)
        self.stop()
        raise Missing(f"redis-server did not start on port {self.port}")

    def kill(self) -> None:
        """SIGKILL: no shutdown, no save."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def pause(self) -> None:
        """SIGSTOP: connections stay open and nothing answers (a Redis hung on a slow command,
        a fork, swap)."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        self.resume()
        self.kill()
        shutil.rmtree(self.dir, ignore_errors=True)

    def client(self) -> Any:
        import redis

        return redis.Redis(port=self.port, socket_connect_timeout=1, socket_timeout=5)


# --- servers ------------------------------------------------------------------------------------


def wait_for_port(port: int, seconds: float = 20) -> float:
    """Block until 127.0.0.1:``port`` accepts; returns the monotonic time it did."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return time.monotonic()
        except OSError:
            time.sleep(0.02)
    raise TimeoutError(f"nothing listens on {port}")


def retire(server: Any, sig: int = signal.SIGKILL, wait: float = 20) -> str:
    """Send ``sig`` to a tests.servers.Server, wait for it to exit, keep its log under another
    name (a restart on the same port would overwrite it) and return the log's text."""
    server.process.send_signal(sig)
    try:
        server.process.wait(timeout=wait)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait(timeout=10)
    server.log.flush()
    path = Path(server.log.name)
    text = path.read_text(errors="replace")
    kept = path.with_name(f"{path.stem}-{int(time.time() * 1000)}.log")
    os.replace(path, kept)
    return text


def rss_kb(pid: int) -> int:
    """Resident memory of one process, in KiB (0 if it is gone)."""
    try:
        with open(f"/proc/{pid}/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
    except (OSError, StopIteration):
        return 0


# --- HTTP -----------------------------------------------------------------------------------------


@dataclass
class Reply:
    status: int
    body: bytes
    ms: float
    headers: dict[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        return json.loads(self.body or b"null")


def http(
    url: str,
    method: str = "GET",
    *,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 30,
) -> Reply:
    """One request; HTTP errors are answers, not exceptions."""
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            data = response.read()
            return Reply(
                response.status, data, (time.perf_counter() - started) * 1000, dict(response.headers)
            )
    except urllib.error.HTTPError as error:
        return Reply(error.code, error.read(), (time.perf_counter() - started) * 1000, dict(error.headers))


def api(base: str, token: str, method: str, path: str, payload: dict[str, Any] | None = None) -> Reply:
    """The REST API with token auth."""
    return http(
        base.rstrip("/") + path,
        method,
        body=json.dumps(payload).encode() if payload is not None else None,
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
    )


def html_create(base: str, cookie: str, slug: str, title: str) -> Reply:
    """Create a task as the board page's form does (htmx POST with the session and CSRF token)."""
    page = http(f"{base}/boards/{slug}/", headers={"Cookie": cookie})
    csrf = ""
    for name, value in page.headers.items():
        if name.lower() == "set-cookie" and value.startswith("csrftoken="):
            csrf = value.split(";", 1)[0].split("=", 1)[1]
    body = urllib.parse.urlencode({"title": title}).encode()
    return http(
        f"{base}/boards/{slug}/tasks/",
        "POST",
        body=body,
        headers={
            "Cookie": f"{cookie}; csrftoken={csrf}",
            "X-CSRFToken": csrf,
            "HX-Request": "true",
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )


# --- a page's socket, as htmx runs it ---------------------------------------------------------------


class HtmxSocket:
    """One page's socket, run as htmx-ext-ws 2.0.4 runs it (see the module docstring).

    ``offline_for(seconds)`` takes the page's network away: the open socket dies without a
    close frame (the page sees 1006) and every attempt fails until the time is up, so the
    retry count grows as a browser's would.
    """

    def __init__(
        self,
        base: str,
        path: str,
        cookie: str,
        *,
        name: str = "",
        keep_dom: bool = True,
        page_html: str | None = None,
        rng: random.Random | None = None,
        open_timeout: float = 10,
    ) -> None:
        self.url = base.replace("http", "ws", 1).rstrip("/") + path
        self.origin = base.rstrip("/")
        self.cookie = cookie
        self.name = name
        self.page: Page | None = Page(page_html) if keep_dom else None
        self.rng = rng or random.Random()
        self.open_timeout = open_timeout
        self.retry_count = 0
        self.attempts = 0  # connection attempts, successful or not
        self.opens = 0
        self.close_codes: list[int] = []
        self.closed_at: list[float] = []  # when each attempt or open socket ended
        self.final_code: int | None = None  # a close code htmx does not retry: the page stopped
        self.opened_at: list[float] = []
        self.snapshot_at: list[float] = []  # first frame after each open (the snapshot)
        self.frames = 0
        self.listeners: list[Callable[[HtmxSocket, str, float], None]] = []
        self.ws: ClientConnection | None = None
        self.queue: list[str] = []  # htmx's messageQueue: sent once open
        self._offline_until = 0.0
        self._stopping = False
        self.task: asyncio.Task[None] | None = None

    # --- lifecycle

    def start(self) -> HtmxSocket:
        self.task = asyncio.create_task(self.run(), name=f"htmx-socket-{self.name}")
        return self

    @property
    def is_open(self) -> bool:
        return self.ws is not None

    @property
    def reconnects(self) -> int:
        return max(0, self.opens - 1)

    async def run(self) -> None:
        while not self._stopping:
            code = await self._connect_once()
            if self._stopping:
                return
            self.close_codes.append(code)
            self.closed_at.append(time.monotonic())
            if code not in RETRY_CODES:
                self.final_code = code
                return
            delay = self.rng.uniform(0, 2 ** min(self.retry_count, MAX_EXPONENT))
            await asyncio.sleep(delay)
            self.retry_count += 1

    async def _connect_once(self) -> int:
        self.attempts += 1
        if time.monotonic() < self._offline_until:
            return 1006  # no network: the browser reports an abnormal closure
        try:
            ws = await connect(
                self.url,
                additional_headers={"Cookie": self.cookie},
                origin=self.origin,  # type: ignore[arg-type]
                compression=None,
                max_size=None,
                open_timeout=self.open_timeout,
                ping_interval=None,  # browsers answer pings but never send them
                close_timeout=2,
            )
        except (OSError, TimeoutError, websockets.WebSocketException):
            return 1006
        self.ws = ws
        self.opens += 1
        self.retry_count = 0
        self.opened_at.append(time.monotonic())
        first = True
        try:
            while self.queue:
                await ws.send(self.queue.pop(0))
            while True:
                message = await ws.recv()
                now = time.monotonic()
                text = message if isinstance(message, str) else message.decode()
                if first:
                    self.snapshot_at.append(now)
                    first = False
                self.frames += 1
                if self.page is not None:
                    self.page.apply(text)
                for listener in self.listeners:
                    listener(self, text, now)
        except websockets.ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd is not None else 1006
        finally:
            self.ws = None

    async def send(self, values: dict[str, Any]) -> None:
        """ws-send a form: its values plus htmx 2's HEADERS; queued while not open."""
        frame = json.dumps(
            {
                **values,
                "HEADERS": {
                    "HX-Request": "true",
                    "HX-Trigger": "task-form",
                    "HX-Trigger-Name": None,
                    "HX-Target": "task-form",
                    "HX-Current-URL": self.origin + "/",
                },
            }
        )
        ws = self.ws
        if ws is None:
            self.queue.append(frame)
            return
        try:
            await ws.send(frame)
        except websockets.ConnectionClosed:
            self.queue.append(frame)  # htmx would have thrown it away; a test wants it sent

    def offline_for(self, seconds: float) -> None:
        self._offline_until = time.monotonic() + seconds
        ws = self.ws
        if ws is not None and ws.transport is not None:
            ws.transport.abort()

    async def stop(self) -> None:
        """The tab closes (close 1001, as a browser leaving the page sends)."""
        self._stopping = True
        ws = self.ws
        if ws is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(ws.close(1001), 3)
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.task

    def board(self, board_id: int) -> BoardView:
        assert self.page is not None
        return self.page.board(board_id)


async def open_sockets(
    base: str,
    path: str,
    cookies: list[str],
    count: int,
    *,
    keep_dom: bool | Callable[[int], bool] = True,
    page: str | None = None,
    seed: int = 0,
    timeout: float = 60,
    ramp: int = 50,
) -> list[HtmxSocket]:
    """``count`` pages' sockets (cookies cycled), each started and holding its snapshot.
    ``page``: the URL path of the page they belong to; its HTTP render (one GET per user) is
    where each page's model starts, so every swap must find its target."""
    html: dict[str, str] = {}
    if page is not None:
        for cookie in set(cookies):
            reply = await asyncio.to_thread(http, base.rstrip("/") + page, headers={"Cookie": cookie})
            assert reply.status == 200, f"GET {page}: {reply.status}"
            html[cookie] = reply.body.decode()
    sockets: list[HtmxSocket] = []
    for index in range(count):
        cookie = cookies[index % len(cookies)]
        dom = keep_dom(index) if callable(keep_dom) else keep_dom
        sockets.append(
            HtmxSocket(
                base,
                path,
                cookie,
                name=str(index),
                keep_dom=dom,
                page_html=html.get(cookie),
                rng=random.Random(seed * 100_003 + index),
            )
        )
    for start in range(0, count, ramp):
        batch = sockets[start : start + ramp]
        for sock in batch:
            sock.start()
        await until(lambda batch=batch: all(s.snapshot_at for s in batch), timeout)
    missing = [s.name for s in sockets if not s.snapshot_at]
    assert not missing, f"{len(missing)} sockets never got their snapshot: {missing[:5]}"
    return sockets


async def stop_all(sockets: Iterable[HtmxSocket]) -> None:
    await asyncio.gather(*(sock.stop() for sock in sockets), return_exceptions=True)


async def until(predicate: Callable[[], bool], timeout: float, step: float = 0.05) -> float | None:
    """Seconds until ``predicate()`` held, or None if it did not within ``timeout``."""
    started = time.monotonic()
    while True:
        if predicate():
            return time.monotonic() - started
        if time.monotonic() - started > timeout:
            return None
        await asyncio.sleep(step)


# --- the truth -------------------------------------------------------------------------------------


def db_board(board_id: int) -> tuple[tuple[str, ...], tuple[str, ...], str, str]:
    """Straight from the database (sync): Open ids, Done ids (the 30 latest), both counts."""
    from tasks.models import Task
    from tasks.selectors import DONE_LIMIT

    rows = Task.objects.filter(board_id=board_id).order_by("-version")
    opened = tuple(f"task-{pk}" for pk in rows.filter(completed=False).values_list("pk", flat=True))
    done_all = rows.filter(completed=True)
    done = tuple(f"task-{pk}" for pk in done_all.values_list("pk", flat=True)[:DONE_LIMIT])
    return opened, done, str(len(opened)), str(done_all.count())


async def fresh_board(base: str, path: str, cookie: str, board_id: int) -> BoardView:
    """What a page opened now shows: the snapshot of a new socket, rendered by the server."""
    async with connect(
        base.replace("http", "ws", 1).rstrip("/") + path,
        additional_headers={"Cookie": cookie},
        origin=base.rstrip("/"),  # type: ignore[arg-type]
        compression=None,
        max_size=None,
        ping_interval=None,
        open_timeout=10,
    ) as ws:
        snapshot = await asyncio.wait_for(ws.recv(), 10)
    return page_of(str(snapshot)).board(board_id)


def same_as_db(view: BoardView, truth: tuple[tuple[str, ...], tuple[str, ...], str, str]) -> bool:
    return (view.open, view.done, view.open_count, view.done_count) == truth


async def converge(
    sockets: list[HtmxSocket], views: dict[str, BoardView], board_id: int, timeout: float
) -> tuple[float | None, list[str]]:
    """Wait until every socket's page shows what a fresh page of its user shows (``views``
    maps a cookie to that view). Returns the seconds it took (None: never) and, if it never
    did, what still differed."""
    took = await until(lambda: all(s.board(board_id) == views[s.cookie] for s in sockets), timeout)
    problems: list[str] = []
    if took is None:
        for sock in sockets:
            diff = sock.board(board_id).differences(views[sock.cookie])
            if diff:
                problems.append(f"socket {sock.name} (open={sock.is_open}): {'; '.join(diff)[:300]}")
    return took, problems


async def truth(base: str, path: str, cookies: Iterable[str], board_id: int) -> dict[str, BoardView]:
    """A fresh page for each user (cookie), each checked against the database itself."""
    views = {cookie: await fresh_board(base, path, cookie, board_id) for cookie in set(cookies)}
    in_db = await asyncio.to_thread(db_board, board_id)
    for view in views.values():
        assert same_as_db(view, in_db), f"a fresh render disagrees with the database: {view} / {in_db}"
    return views


def presence_names(page: Page, topic_dom_id: str) -> set[str] | None:
    """The names in a "who is here" list (None: the list is not on the page)."""
    node = page.element(topic_dom_id)
    if node is None:
        return None
    names = set()
    stack = list(node.elements())
    while stack:
        item = stack.pop()
        if "truncate" in (item.attrs.get("class") or "").split():
            names.add(item.text())
        stack.extend(item.elements())
    return names


def sized(ci: Any, full: Any) -> Any:
    """``ci`` in the test suite, ``full`` when scripts/reliability.py runs the full-size faults
    (FAULTS_SCALE=full)."""
    return full if os.environ.get("FAULTS_SCALE") == "full" else ci


class SlowReader:
    """A raw WebSocket client on a socket with a tiny receive buffer: it completes the
    handshake (Origin and session cookie, as a browser sends them) and then never reads."""

    def __init__(self, base: str, path: str, cookie: str, rcvbuf: int = 4096) -> None:
        import base64

        port = int(base.rsplit(":", 1)[1])
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.connect(("127.0.0.1", port))
        key = base64.b64encode(os.urandom(16)).decode()
        request = (
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
            f"Origin: {base}\r\nCookie: {cookie}\r\n\r\n"
        )
        self.sock.sendall(request.encode())
        head = b""
        self.sock.settimeout(10)
        while not head.endswith(b"\r\n\r\n"):
            byte = self.sock.recv(1)  # one byte at a time: not one byte of a frame is read
            if not byte:
                raise ConnectionError(f"handshake refused: {head!r}")
            head += byte
        if b" 101 " not in head.split(b"\r\n", 1)[0]:
            raise ConnectionError(f"handshake refused: {head[:200]!r}")

    def drain(self, seconds: float) -> tuple[bool, int | None, int]:
        """Read everything now: (did the server end the connection, the close code it sent if
        any, bytes read). A server that has not ended it leaves us waiting ``seconds``."""
        data = bytearray()
        ended = False
        self.sock.settimeout(0.5)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                chunk = self.sock.recv(1 << 20)
            except TimeoutError:
                continue
            except ConnectionError:
                ended = True
                break
            if not chunk:
                ended = True
                break
            data += chunk
        self.sock.close()
        return ended, _close_code(bytes(data)), len(data)


def _close_code(stream: bytes) -> int | None:
    """The code of the first close frame in a stream of server frames (never masked)."""
    at = 0
    while at + 2 <= len(stream):
        opcode, length = stream[at] & 0x0F, stream[at + 1] & 0x7F
        at += 2
        if length == 126:
            length, at = int.from_bytes(stream[at : at + 2], "big"), at + 2
        elif length == 127:
            length, at = int.from_bytes(stream[at : at + 8], "big"), at + 8
        if opcode == 0x8:
            return int.from_bytes(stream[at : at + 2], "big") if length >= 2 else 1005
        at += length
    return None


def swap_errors(sockets: Iterable[HtmxSocket]) -> tuple[int, int]:
    """htmx:oobErrorNoTarget events and ids put on a page twice, over all pages."""
    pages = [sock.page for sock in sockets if sock.page is not None]
    return sum(len(page.no_target) for page in pages), sum(len(page.duplicates) for page in pages)
