"""The hub's part for routine work: heartbeats, socket rotation, ops reports, the apps' jobs.

- every ``LIVE["HEARTBEAT"]`` seconds the connection indicator of every ready page is
  re-rendered (it turns to "reconnecting" by itself when heartbeats stop); none while the
  layer is being recovered (the pages say "reconnecting" then, and poll);
- sockets older than their jittered ``LIVE["MAX_SOCKET_AGE"]`` are closed with 1012, which
  htmx retries, before any server timeout would close them for good;
- every ``ops.OPS_INTERVAL`` seconds the hub's figures are reported for the ops page;
- the apps' periodic jobs (live/periodic.py) run in a worker thread when due.
"""

from __future__ import annotations

import logging
import random
import time

from channels.db import database_sync_to_async
from django.conf import settings

from live import ops, periodic, registry, stats
from live.parts import Part
from live.schedule import Schedule
from live.wire import Outgoing

logger = logging.getLogger(__name__)


def rotation_deadline() -> float:
    """When a new socket should be rotated: a jittered age so sockets don't all return at once."""
    age = settings.LIVE["MAX_SOCKET_AGE"]
    return time.monotonic() + age * random.uniform(0.9, 1.0)


class Upkeep(Part):
    def scheduled(self, schedule: Schedule) -> None:
        schedule.every(lambda: settings.LIVE["HEARTBEAT"], self.heartbeat, name="heartbeat")
        schedule.every(1, self.rotate_old_sockets, name="rotation")
        schedule.every(1, self.run_jobs, name="periodic jobs", first=0)
        schedule.every(ops.OPS_INTERVAL, self.report, name="ops report", first=0)

    async def heartbeat(self) -> None:
        if self.hub.recovering:
            return
        if await self.show_status("live", announce=False):
            stats.counters["heartbeats"] += 1

    async def rotate_old_sockets(self) -> None:
        now = time.monotonic()
        for sock in self.hub.local_sockets():
            if now >= sock.rotate_at:
                sock.rotate_at = float("inf")  # once
                try:
                    await sock.close(code=1012)
                except Exception:
                    # daphne cannot send 1012 (see LiveConsumer.close): the socket stays, and
                    # scripts/serve.sh turns daphne's own age limit off.
                    stats.counters["not_rotated"] += 1
                    logger.debug("could not rotate a socket", exc_info=True)
                    continue
                stats.counters["rotated"] += 1

    async def run_jobs(self) -> None:
        """The apps' periodic jobs that are due, each in a worker thread."""
        now = time.monotonic()
        for job in list(periodic.jobs.values()):
            if now >= job.next_at:
                job.next_at = now + job.seconds
                try:
                    await database_sync_to_async(job.run)()
                except Exception:
                    logger.exception("periodic job %r failed", job.name)

    async def report(self) -> None:
        await self.hub.reporter.report(self.hub.figures())

    async def show_status(self, state: str, *, announce: bool) -> int:
        """Put every ready page's connection indicator in ``state`` (rendered once per
        language); how many pages."""
        sockets = [sock for sock in self.hub.local_sockets() if sock.ready]
        frames: dict[str, Outgoing] = {}
        for sock in sockets:
            language = sock.viewer.language
            if language not in frames:
                frames[language] = Outgoing(
                    await database_sync_to_async(registry.render_status)(language, state, announce=announce)
                )
            sock.deliver(None, None, frames[language])
        return len(sockets)
