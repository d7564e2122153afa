"""Everything written to one socket, and everything that waits to be.

- While its snapshot is being read and sent, the frames the hub delivers wait in the
  *backlog* (``hold()``, ``park()``); after the snapshot they are written, less those it
  already contains. Past BACKLOG_LIMIT the backlog is dropped and a fresh snapshot taken.
- A frame is written straight away when the server can take it (always, under daphne;
  nearly always under uvicorn, where a frame many sockets share is encoded once:
  live/wire.py). If the server holds it back because the peer is not reading, it is finished
  in a task of its own and later frames queue behind it (*stalled*), up to STALLED_LIMIT,
  after which the socket is given up on (its owner closes it with 1013; htmx reconnects and
  gets a snapshot). So one slow reader never holds up the others, and never grows memory
  unbounded.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable, Generator, Iterator
from typing import Any

from live import stats, wire
from live.wire import Outgoing

logger = logging.getLogger(__name__)

BACKLOG_LIMIT = 500  # events waiting for a snapshot; past this, take a fresh snapshot instead
STALLED_LIMIT = 100  # frames waiting for a peer that does not read; past this, give up on it

_UNKNOWN = object()
Parked = tuple[str | None, int | None, "str | Outgoing"]


class _Resume:
    """Awaiting this finishes a coroutine that was started by hand (``coro.send(None)``) and
    stopped at ``waiting_on``: it hands each future the coroutine waits on to the task that
    awaits it, exactly as ``await coro`` would have."""

    def __init__(self, coro: Any, waiting_on: Any) -> None:
        self.coro, self.waiting_on = coro, waiting_on

    def __await__(self) -> Generator[Any, Any, Any]:
        waiting_on = self.waiting_on
        while True:
            try:
                value = yield waiting_on
            except BaseException as exc:
                try:
                    waiting_on = self.coro.throw(exc)
                except StopIteration as stop:
                    return stop.value
            else:
                try:
                    waiting_on = self.coro.send(value)
                except StopIteration as stop:
                    return stop.value


class Outbox:
    """One socket's writing: ``send`` is the server's ASGI send; ``give_up`` is called once
    when the peer has stopped reading."""

    __slots__ = ("send", "give_up", "backlog", "stalled", "overflowed", "_direct")

    def __init__(self, send: Callable[[dict[str, Any]], Any], give_up: Callable[[], None]) -> None:
        self.send, self.give_up = send, give_up
        self.backlog: deque[Parked] | None = None  # frames waiting for a snapshot
        self.stalled: deque[str] | None = None  # frames behind one the peer has not read yet
        self.overflowed = False  # the backlog ran over: the snapshot must be taken again
        self._direct: Any = _UNKNOWN  # the server connection frames may be written to (live/wire.py)

    # --- the backlog, while a snapshot is sent ---------------------------------------------

    def hold(self) -> None:
        """Frames from now on wait for the snapshot; unwritten ones are superseded by it."""
        self.backlog = deque()
        self.overflowed = False
        if self.stalled:
            self.stalled.clear()

    def park(self, topic: str | None, seq: int | None, text: str | Outgoing) -> None:
        """Keep a frame until the snapshot is out (dropped if nothing is held: closed)."""
        if self.backlog is None:
            return
        if len(self.backlog) >= BACKLOG_LIMIT:
            self.backlog.clear()
            self.overflowed = True
        else:
            self.backlog.append((topic, seq, text))

    def parked(self) -> Iterator[Parked]:
        """The waiting frames, oldest first, until the backlog is empty or overflows."""
        while self.backlog and not self.overflowed:
            yield self.backlog.popleft()

    def release(self) -> None:
        """The snapshot is out: nothing waits any more."""
        self.backlog = None

    def close(self) -> None:
        self.backlog = self.stalled = None

    # --- writing ---------------------------------------------------------------------------

    def write(self, out: str | Outgoing) -> None:
        """Write a frame now if the server takes it without waiting, else queue it."""
        if self.stalled is not None:
            if len(self.stalled) >= STALLED_LIMIT:
                self.stalled = None
                stats.counters["closed_slow_readers"] += 1
                self.give_up()
            else:
                self.stalled.append(out.text if isinstance(out, Outgoing) else out)
            return
        if type(out) is Outgoing:
            connection = self._direct
            if connection is _UNKNOWN:  # looked up once per socket
                connection = self._direct = wire.direct(self.send)
            if connection is not None and wire.write(connection, out):
                stats.counters["direct_writes"] += 1
                return
            out = out.text
        sending = self.send({"type": "websocket.send", "text": out})
        try:
            waiting_on = sending.send(None)  # run the send by hand: no task in the usual case
        except StopIteration:
            return
        except Exception:  # the socket went away mid-fan-out; its disconnect follows
            logger.debug("write to a closing socket failed", exc_info=True)
            return
        self.stalled = deque()
        asyncio.ensure_future(self._finish_stalled(sending, waiting_on))

    async def _finish_stalled(self, sending: Any, waiting_on: Any) -> None:
        """Finish the send the server held back, then the frames queued behind it."""
        try:
            await _Resume(sending, waiting_on)
            while self.stalled:
                await self.send({"type": "websocket.send", "text": self.stalled.popleft()})
        except Exception:
            logger.debug("write to a closing socket failed", exc_info=True)
        finally:
            self.stalled = None
