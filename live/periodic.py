"""Jobs every server process runs now and then, besides its live work: each a sync function
run off the event loop (in a worker thread) by the hub's housekeeping, at most once every
``seconds``. Apps register theirs when they are ready, e.g. the daily reminder on the
embedded default, where no Celery beat runs (notifications/schedule.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Job:
    name: str
    seconds: float
    run: Callable[[], object]
    next_at: float = 0.0  # monotonic time of the next run (0: at the first housekeeping)


jobs: dict[str, Job] = {}


def every(seconds: float, name: str) -> Callable[[Callable[[], object]], Callable[[], object]]:
    """Register ``func`` to run every ``seconds`` in each server process."""

    def register(func: Callable[[], object]) -> Callable[[], object]:
        jobs[name] = Job(name, seconds, func)
        return func

    return register
