"""The hub's part that notices lost events and a lost or stuck channel layer, and heals.

- **Gaps**: an event whose predecessor never came (live/ordering.py) is counted as dropped
  and the topic's pages re-synced.
- **Audit**: every ``LIVE["AUDIT"]`` seconds the topics' change numbers are compared with
  the database (live/audit.py); a topic still behind an audit later is re-synced, each page
  authorized again first (what was lost may have taken its access away).
- **Group refresh**: memberships are renewed every ``LIVE["GROUP_REFRESH"]`` seconds (the
  layer's ``group_expiry`` ends those of a dead process).
- **Layer check**: every ``LIVE["LAYER_CHECK"]`` seconds, is this process still in the
  layer's groups (a Redis that restarted empty forgets them without an error: live/layer.py),
  and does a probe to its own channel come back (live/watchdog.py)?
- **Recovery**: after an outage, a forgotten membership or a stuck receive, re-join every
  group, then check every page's session and authorize it again with a fresh snapshot.
  While the layer is unreachable every page says "reconnecting" (and polls over HTTP).
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from channels.db import database_sync_to_async
from django.conf import settings

from live import audit, stats
from live.layer import remembers
from live.parts import HubCore, Part
from live.schedule import Schedule
from live.watchdog import Watchdog

logger = logging.getLogger(__name__)

RECOVERY_RETRY = 1.0  # seconds between attempts to re-join the groups of an unreachable layer


class Recovery(Part):
    def __init__(self, hub: HubCore) -> None:
        super().__init__(hub)
        self.task: asyncio.Task[None] | None = None
        self.behind: dict[str, int] = {}  # topic -> a change the database had at the last audit
        self.watchdog = Watchdog(settings.LIVE["WATCHDOG"])

    def scheduled(self, schedule: Schedule) -> None:
        live = settings.LIVE
        schedule.every(1, self.settle_gaps, name="gaps")
        schedule.every(lambda: settings.LIVE["LAYER_CHECK"], self.check_layer, name="layer check")
        schedule.every(lambda: settings.LIVE["AUDIT"], self.audit, name="audit", jitter=0.5)
        schedule.every(
            lambda: settings.LIVE["GROUP_REFRESH"],
            lambda: asyncio.wait_for(self.hub.refresh_groups(), live["LAYER_TIMEOUT"] * 5),
            name="group refresh",
        )

    @property
    def recovering(self) -> bool:
        return self.task is not None and not self.task.done()

    def figures(self) -> dict[str, Any]:
        return {"probe_wait_s": self.watchdog.age()}

    # --- the layer --------------------------------------------------------------------------

    def soon(self, *, unreachable: bool) -> asyncio.Task[None]:
        """Start recovering from a layer that lost this process's memberships and messages
        (one recovery at a time); the task ends once every page is re-synced."""
        if not self.recovering:
            self.task = asyncio.create_task(self._recover(unreachable), name="live-hub-recover")
        assert self.task is not None
        return self.task

    async def _recover(self, unreachable: bool) -> None:
        if unreachable:
            await self.hub.show_status("reconnecting", announce=True)
        while True:
            if unreachable:
                await asyncio.sleep(RECOVERY_RETRY)
            try:
                await asyncio.wait_for(self._rejoin(), settings.LIVE["LAYER_TIMEOUT"] * 5)
            except asyncio.CancelledError:
                raise
            except Exception:
                unreachable = True
                continue
            break
        stats.counters["layer_recoveries"] += 1
        logger.warning("channel layer has this process's groups again; re-syncing its pages")
        # What this process waited for is gone: each topic's order starts afresh from the
        # snapshots below, so the next event is not held up for changes that were lost.
        self.hub.forget_order()
        # Access changes and ended sessions may have been among what was lost.
        sockets = self.hub.local_sockets()
        try:
            await self.hub.check_sessions([sock for sock in sockets if sock.ready])
        except Exception:
            logger.exception("could not check the sessions of the re-synced pages")
        for sock in sockets:
            try:
                await sock.reauthorize(resend=True)
            except Exception:
                logger.exception("could not re-sync a page")

    async def _rejoin(self) -> None:
        # Pooled connections from before the outage may be dead: start afresh.
        close_pools = getattr(self.hub.layer, "close_pools", None)
        if close_pools is not None:
            await close_pools()
        await self.hub.refresh_groups()

    async def check_layer(self) -> None:
        """Recover if the layer forgot this process (a Redis that restarted empty while our
        blocking pop reconnected to it without an error) or cannot be reached, or if the
        receive hangs while messages wait for it (live/watchdog.py)."""
        if self.recovering:
            return
        if self.watchdog.stuck():
            await self._restart_listening()
            return
        timeout = settings.LIVE["LAYER_TIMEOUT"]
        try:
            intact = await asyncio.wait_for(remembers(self.hub.layer, self.hub.channel), timeout)
            await asyncio.wait_for(self.watchdog.probe(self.hub.layer, self.hub.channel), timeout)
        except Exception:  # unreachable, or hung (a TimeoutError)
            stats.counters["layer_errors"] += 1
            self.soon(unreachable=True)
            return
        if not intact:
            stats.counters["layer_forgot"] += 1
            logger.warning("the channel layer forgot this process's groups (restarted empty?)")
            self.soon(unreachable=False)

    async def _restart_listening(self) -> None:
        """The receive hangs: replace it with a new one, then re-join and re-sync every page
        (what waited for the old receive may be lost)."""
        stats.counters["watchdog_restarts"] += 1
        logger.warning(
            "the channel layer's receive has handed back nothing for %.0f s while messages wait; "
            "starting a new one and re-syncing this process's pages",
            self.watchdog.age() or 0,
        )
        await self.hub.restart_listening()
        self.watchdog.reset()
        self.soon(unreachable=False)

    # --- lost events ------------------------------------------------------------------------

    async def settle_gaps(self) -> None:
        now = time.monotonic()
        for topic, order in list(self.hub.orders.items()):
            lost = order.lost(now)
            if not lost:
                continue
            stats.counters["dropped"] += lost
            logger.warning("%d event(s) of %s never arrived; re-syncing its pages", lost, topic)
            if topic in self.hub.sockets:
                await self.hub.resync(topic)

    async def audit(self) -> None:
        """Re-sync the topics whose change the database had an audit ago and this process has
        still not shown: its event was lost, and no later one came to reveal it (live/audit.py)."""
        topics = [topic for topic in self.hub.sockets if audit.audited(topic)]
        if not topics:
            self.behind.clear()
            return
        current = await database_sync_to_async(audit.current)(topics)
        behind, self.behind = self.behind, {}
        for topic, seq in current.items():
            order = self.hub.orders.get(topic)
            if order is None or order.last is None or seq <= order.last:
                continue
            if topic in behind and order.last < behind[topic] and topic in self.hub.sockets:
                stats.counters["audit_resyncs"] += 1
                logger.warning(
                    "%s is at %d here, %d in the database; re-syncing its pages", topic, order.last, seq
                )
                await self.hub.resync(topic, recheck=True)  # a lost event may have changed access
            else:
                self.behind[topic] = seq  # maybe in flight: judged at the next audit
