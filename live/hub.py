"""The hub: one per server process, between the channel layer and that process's sockets.

Sockets never join channel-layer groups themselves. The hub owns one channel and joins one
group per *topic* (``board.3``) that at least one local socket watches. For each event it:

1. puts it in its topic's change-number order (live/ordering.py): held until the change
   before it has come, dropped if already seen;
2. renders the fragments in one worker-thread call, once per kind of page and audience
   (see :mod:`live.registry`), never once per socket;
3. writes the finished text frame straight to each local socket, skipping sockets whose
   snapshot already contains the change (the event's ``seq``).

So an event costs one channel-layer message per process, a bounded number of renders and
queries, and one cheap write per socket. That is all the core does. Everything else is a
part (live/parts.py) listed in ``Hub.PARTS``, each taking its own event kinds and periodic
work: who is here and typing (live/here.py), sessions and access changes (live/guard.py),
lost events, audits and the layer's health (live/recovery.py), heartbeats, rotation, ops
reports and the apps' jobs (live/upkeep.py). Periodic work runs in one loop
(live/schedule.py).
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections.abc import Iterable
from typing import Any

from channels.layers import get_channel_layer
from django.conf import settings

from live import fanout, ops, registry, stats
from live.guard import Guard
from live.here import Here
from live.layer import MARKER
from live.ordering import TopicOrder
from live.parts import Handler, Part, Socket
from live.publish import EVENT_TYPE, group_name
from live.recovery import Recovery
from live.registry import Viewer
from live.schedule import Schedule
from live.upkeep import Upkeep

logger = logging.getLogger(__name__)

_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Hub] = weakref.WeakKeyDictionary()


def hub_census() -> dict[str, Any]:
    """Sockets and topics of the hubs in this process (one per event loop; one in a server)."""
    sockets = topics = 0
    sizes: dict[str, int] = {}
    for hub in list(_hubs.values()):
        figures = hub.figures()
        sockets += figures["sockets"]
        topics += figures["topics"]
        for topic, size in figures["topic_sizes"].items():
            sizes[topic] = sizes.get(topic, 0) + size
    return {"sockets": sockets, "topics": topics, "topic_sizes": sizes}


def local_reports() -> list[dict[str, Any]]:
    """The latest ops report of each hub in this process."""
    return [hub.reporter.latest for hub in list(_hubs.values()) if hub.reporter.latest]


class Hub:
    here: Here
    guard: Guard
    recovery: Recovery
    upkeep: Upkeep
    PARTS: dict[str, type[Part]] = {"here": Here, "guard": Guard, "recovery": Recovery, "upkeep": Upkeep}

    def __init__(self) -> None:
        self.layer = get_channel_layer()
        self.channel = ""
        # topic -> page name -> sockets of this process
        self.sockets: dict[str, dict[str, set[Socket]]] = {}
        self.joined: dict[str, asyncio.Future[None]] = {}
        self._leaving: dict[str, asyncio.TimerHandle] = {}
        self.orders: dict[str, TopicOrder] = {}  # topic -> its events in change-number order
        self._viewers: dict[str, dict[str, frozenset[Viewer]]] = {}  # topic -> page -> distinct viewers
        self._release_at: dict[str, asyncio.TimerHandle] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self.reporter = ops.Reporter()
        self.schedule = Schedule()
        self.parts: list[Part] = []
        self._handlers: dict[str, Handler] = {registry.RESET: self._on_reset}
        for name, kind in self.PARTS.items():
            part = kind(self)
            setattr(self, name, part)
            self.parts.append(part)
            self._handlers.update(part.handlers())
            part.scheduled(self.schedule)

    # --- lifecycle ------------------------------------------------------------------------

    @classmethod
    async def current(cls) -> Hub:
        """The hub of the running event loop, started on first use."""
        loop = asyncio.get_running_loop()
        hub = _hubs.get(loop)
        if hub is None:
            hub = _hubs[loop] = cls()
            await hub.start()
        return hub

    async def start(self) -> None:
        self.channel = await self.layer.new_channel("live-hub.")
        try:
            await self.layer.group_add(MARKER, self.channel)
        except Exception:  # the layer check finds it missing and recovers once it can
            logger.warning("channel layer unreachable at start", exc_info=True)
        self.listener = asyncio.create_task(self._listen(), name="live-hub-listen")
        self._tasks = [asyncio.create_task(self.schedule.run(), name="live-hub-schedule")]

    async def stop(self) -> None:
        tasks = [self.listener, *self._tasks]
        if self.recovery.task is not None:
            tasks.append(self.recovery.task)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        _hubs.pop(asyncio.get_running_loop(), None)

    @classmethod
    async def stop_current(cls) -> None:
        hub = _hubs.get(asyncio.get_running_loop())
        if hub is not None:
            await hub.stop()

    async def restart_listening(self) -> None:
        """Replace the receive loop with a new one (the old one hangs: live/recovery.py)."""
        self.listener.cancel()
        await asyncio.gather(self.listener, return_exceptions=True)
        self.listener = asyncio.create_task(self._listen(), name="live-hub-listen")

    # --- sockets join and leave -----------------------------------------------------------

    async def join(self, sock: Socket, topics: Iterable[str]) -> None:
        """Register ``sock`` for ``topics`` and return once this process receives their events."""
        topics = tuple(topics)
        self._add(sock, topics)
        try:
            await asyncio.gather(*(self._subscribe(topic) for topic in topics))
        except BaseException:
            self.leave(sock, topics)
            raise
        for part in self.parts:
            part.joined(sock)
        stats.counters["sockets_joined"] += 1

    def leave(self, sock: Socket, topics: Iterable[str]) -> None:
        for part in self.parts:
            part.left(sock)
        self._drop(sock, topics)

    async def retopic(self, sock: Socket, old_topics: Iterable[str]) -> None:
        """``sock`` was authorized again: it now watches ``sock.topics`` instead of
        ``old_topics``, maybe as another viewer (a new role). Its presence is unchanged."""
        old, new = set(old_topics), set(sock.topics)
        for topic in old | new:
            self._viewers.pop(topic, None)  # its viewer may have changed
        self._drop(sock, old - new)
        added = tuple(new - old)
        self._add(sock, added)
        await asyncio.gather(*(self._subscribe(topic) for topic in added))

    # what parts ask of each other, through the hub (live/parts.py: HubCore)

    @property
    def recovering(self) -> bool:
        return self.recovery.recovering

    async def show_status(self, state: str, *, announce: bool) -> int:
        return await self.upkeep.show_status(state, announce=announce)

    async def check_sessions(self, sockets: list[Socket]) -> None:
        await self.guard.check_sessions(sockets)

    def _add(self, sock: Socket, topics: Iterable[str]) -> None:
        for topic in topics:
            self.sockets.setdefault(topic, {}).setdefault(sock.page, set()).add(sock)
            self._viewers.pop(topic, None)
            handle = self._leaving.pop(topic, None)
            if handle is not None:
                handle.cancel()

    def _drop(self, sock: Socket, topics: Iterable[str]) -> None:
        for topic in topics:
            pages = self.sockets.get(topic)
            if not pages:
                continue
            self._viewers.pop(topic, None)
            members = pages.get(sock.page)
            if members is not None:
                members.discard(sock)
                if not members:
                    del pages[sock.page]
            if not pages:
                del self.sockets[topic]
                grace = settings.LIVE["LEAVE_GRACE"]
                self._leaving[topic] = asyncio.get_running_loop().call_later(grace, self._leave_later, topic)

    def _leave_later(self, topic: str) -> None:
        asyncio.ensure_future(self._unsubscribe(topic))

    def figures(self) -> dict[str, Any]:
        sizes = {
            topic: sum(len(members) for members in pages.values())
            for topic, pages in list(self.sockets.items())
        }
        figures = {"sockets": len(self.local_sockets()), "topics": len(sizes), "topic_sizes": sizes}
        for part in self.parts:
            figures.update(part.figures())
        return figures

    def local_sockets(self, topic: str | None = None) -> list[Socket]:
        topics = [topic] if topic is not None else list(self.sockets)
        seen: dict[int, Socket] = {}
        for t in topics:
            for members in self.sockets.get(t, {}).values():
                for sock in members:
                    seen[id(sock)] = sock
        return list(seen.values())

    async def _subscribe(self, topic: str) -> None:
        joined = self.joined.get(topic)
        if joined is None:
            joined = self.joined[topic] = asyncio.get_running_loop().create_future()
            try:
                await self.layer.group_add(group_name(topic), self.channel)
            except BaseException as exc:
                del self.joined[topic]
                joined.set_exception(exc)
                joined.exception()  # mark retrieved; callers get it below
                raise
            joined.set_result(None)
        await joined

    async def _unsubscribe(self, topic: str) -> None:
        self._leaving.pop(topic, None)
        if topic in self.sockets:
            return  # someone came back during the grace period
        self.joined.pop(topic, None)
        self.orders.pop(topic, None)
        release = self._release_at.pop(topic, None)
        if release is not None:
            release.cancel()
        for part in self.parts:
            part.forget(topic)
        try:
            await self.layer.group_discard(group_name(topic), self.channel)
        except Exception:  # the group expires by itself anyway
            logger.warning("could not leave %s", topic, exc_info=True)

    async def refresh_groups(self) -> None:
        """Join again every group this process is in (memberships expire in the layer)."""
        await self.layer.group_add(MARKER, self.channel)
        for topic in list(self.joined):
            await self.layer.group_add(group_name(topic), self.channel)

    # --- events in ------------------------------------------------------------------------

    async def _listen(self) -> None:
        watchdog = self.recovery.watchdog
        while True:
            watchdog.receiving()
            try:
                message = await self.layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("channel layer unreachable; pages will be re-synced")
                stats.counters["layer_errors"] += 1
                try:
                    await self.recovery.soon(unreachable=True)
                except Exception:  # the listening goes on whatever went wrong in there
                    logger.exception("recovering from the channel layer's outage failed")
                continue
            watchdog.received(message)
            if message.get("type") != EVENT_TYPE:
                continue
            try:
                await self.handle(message)
            except Exception:
                stats.counters["render_errors"] += 1
                logger.exception("live event failed: %r", message)

    async def handle(self, message: dict[str, Any]) -> None:
        """Take one event from the layer: show it now, or hold it until the change before it
        has arrived (live/ordering.py)."""
        stats.counters["events"] += 1
        topic, seq = message["topic"], message.get("seq")
        if seq is None:
            await self._show(message)
            return
        arrival = self.orders.setdefault(topic, TopicOrder()).arrive(seq, message, time.monotonic())
        if arrival.duplicate:
            stats.counters["duplicates"] += 1
        if arrival.late:
            stats.counters["late"] += 1
            await self.resync(topic)
        for ready in arrival.ready:
            await self._show(ready)
        self._schedule_release(topic)

    def snapshot_taken(self, seqs: dict[str, int]) -> None:
        """A page read its topics at these change numbers: where no event has come yet, the
        next one due is the one after (so one that overtakes it is held, not shown first)."""
        now = time.monotonic()
        for topic, seq in seqs.items():
            self.orders.setdefault(topic, TopicOrder()).start_after(seq, now)

    def forget_order(self) -> None:
        """Wait for nothing: every topic's order starts afresh from the next snapshots."""
        for handle in self._release_at.values():
            handle.cancel()
        self._release_at.clear()
        self.orders.clear()

    def _schedule_release(self, topic: str) -> None:
        """Let the topic's held events through once they have waited long enough."""
        order = self.orders.get(topic)
        deadline = order.next_deadline() if order is not None else None
        if deadline is None or topic in self._release_at:
            return
        stats.counters["held"] += 1

        def release() -> None:
            self._release_at.pop(topic, None)
            asyncio.ensure_future(self._release(topic))

        delay = max(0.0, deadline - time.monotonic())
        self._release_at[topic] = asyncio.get_running_loop().call_later(delay, release)

    async def _release(self, topic: str) -> None:
        order = self.orders.get(topic)
        if order is None:
            return
        try:
            for message in order.overdue(time.monotonic()):
                await self._show(message)
        except Exception:
            stats.counters["render_errors"] += 1
            logger.exception("live event failed on %s", topic)
        self._schedule_release(topic)

    # --- events out -----------------------------------------------------------------------

    async def _show(self, message: dict[str, Any]) -> None:
        """Hand one event to the part that takes its kind, or render it for the pages watching
        its topic and write it to their sockets."""
        started = time.perf_counter()
        topic = message["topic"]
        pages = self.sockets.get(topic)
        if not pages:
            return
        handler = self._handlers.get(message.get("kind", ""))
        if handler is not None:
            await handler(topic, message)
            return
        frames = await fanout.render(message, frozenset(pages), self._viewers_on(topic))
        # the viewers again: sockets may have come during the render
        sent = fanout.deliver(topic, message.get("seq"), frames, pages, self._viewers_on(topic))
        stats.counters["deliveries"] += sent
        stats.fanout_ms.append((time.perf_counter() - started) * 1000)

    def _viewers_on(self, topic: str) -> dict[str, frozenset[Viewer]]:
        """Each page's distinct viewers on ``topic`` (kept until a socket joins or leaves it)."""
        viewers = self._viewers.get(topic)
        if viewers is None:
            pages = self.sockets.get(topic, {})
            viewers = {page: frozenset(sock.viewer for sock in members) for page, members in pages.items()}
            self._viewers[topic] = viewers
        return viewers

    async def _on_reset(self, topic: str, message: dict[str, Any]) -> None:
        await self.resync(topic)

    async def resync(self, topic: str, *, recheck: bool = False) -> None:
        """Send a fresh snapshot to every local socket on ``topic``; what they now all show is
        no longer waited for (live/ordering.py). ``recheck``: authorize each socket again
        first (what was lost may have taken its access away; live/access.py)."""
        stats.counters["resyncs"] += 1
        sockets = self.local_sockets(topic)
        for sock in sockets:
            if recheck:
                await sock.reauthorize(resend=True)
            else:
                await sock.resync()
        shown = [sock.snapshot_seqs[topic] for sock in sockets if topic in sock.snapshot_seqs]
        order = self.orders.get(topic)
        if order is not None and shown and len(shown) == len(sockets):
            order.resynced(min(shown))
