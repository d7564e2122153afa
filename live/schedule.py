"""The hub's periodic work, in one loop: each piece registers what to run and how often.

``schedule.every(seconds, work, name=...)`` runs the coroutine function ``work`` every
``seconds`` (a number, or a function read again before each wait, so a setting changed in
a test takes effect), the first time after ``first`` seconds (default: one period; a
``jitter`` spreads the first run of many processes). A piece of work that fails is logged
and runs again at its next time; one that runs long delays the others, never overlaps
itself. One task per hub, whatever the number of pieces.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

logger = logging.getLogger(__name__)

Seconds = float | Callable[[], float]
TICK = 1.0  # the longest the loop sleeps: work registered meanwhile starts within a tick


def _value(seconds: Seconds) -> float:
    return float(seconds() if callable(seconds) else seconds)


@dataclass
class Periodic:
    name: str
    seconds: Seconds
    work: Callable[[], Awaitable[object]]
    next_at: float


class Schedule:
    def __init__(self) -> None:
        self.items: list[Periodic] = []

    def every(
        self,
        seconds: Seconds,
        work: Callable[[], Awaitable[object]],
        *,
        name: str,
        first: float | None = None,
        jitter: float = 0.0,
    ) -> None:
        """Run ``work`` every ``seconds``; the first time after ``first`` seconds (default one
        period), less a random share up to ``jitter`` of it."""
        delay = _value(seconds) if first is None else first
        delay *= 1 - random.uniform(0, jitter)
        self.items.append(Periodic(name, seconds, work, time.monotonic() + delay))

    async def run(self) -> None:
        """Run the work that is due, for ever (cancel the task to stop)."""
        while True:
            now = time.monotonic()
            for item in self.items:
                if now >= item.next_at:
                    item.next_at = now + _value(item.seconds)
                    try:
                        await item.work()
                    except asyncio.CancelledError:
                        raise
                    except Exception:
                        logger.exception("live periodic work %r failed", item.name)
            upcoming = min((item.next_at for item in self.items), default=now + TICK)
            await asyncio.sleep(min(TICK, max(0.0, upcoming - time.monotonic())))
