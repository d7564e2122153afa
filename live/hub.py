"""The hub: one per server process, between the channel layer and that process's sockets.

Sockets never join channel-layer groups themselves. The hub owns one channel and joins one
group per *topic* (``board.3``) that at least one local socket watches. For each event it:

1. renders the fragments in one worker-thread call, once per kind of page and audience
   (see :mod:`live.registry`), never once per socket;
2. writes the finished text frame straight to each local socket, skipping sockets whose
   snapshot already contains the change (the event's ``seq``).

So an event costs one channel-layer message per process, a bounded number of renders and
queries, and one cheap write per socket. The hub also:
- notices gaps in a topic's change numbers (an event the layer dropped) and re-sends a
  fresh snapshot to the affected sockets, so a drop is counted and healed, never silent;
- re-joins its groups periodically (group expiry), checks every few seconds that the layer
  still has them (a Redis that restarted empty forgets them without an error: live/layer.py),
  and after an outage re-joins and re-syncs every page; meanwhile the pages say
  "reconnecting" and poll over HTTP;
- sends the heartbeat that keeps the connection indicator green, and rotates sockets with
  close code 1012 before any server timeout would close them for good.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
import weakref
from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connection
from django.utils import translation

from live import audit, ops, periodic, presence, registry, sessions, stats
from live.access import ACCESS_CHANGED
from live.layer import MARKER, remembers
from live.ordering import TopicOrder
from live.publish import EVENT_TYPE, group_name
from live.registry import Viewer
from live.typing import Typing
from live.watchdog import Watchdog
from live.wire import Outgoing

if TYPE_CHECKING:
    from live.consumers import LiveConsumer

logger = logging.getLogger(__name__)

PRESENCE_BATCH = 0.5  # seconds over which arrivals and departures are gathered
RECOVERY_RETRY = 1.0  # seconds between attempts to re-join the groups of an unreachable layer
PRESENCE_CHANGED, TYPING_START, TYPING_STOP = "presence.changed", "typing.start", "typing.stop"

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
    def __init__(self) -> None:
        self.layer = get_channel_layer()
        self.channel = ""
        # topic -> page name -> sockets of this process
        self.sockets: dict[str, dict[str, set[LiveConsumer]]] = {}
        self._joined: dict[str, asyncio.Future[None]] = {}
        self._leaving: dict[str, asyncio.TimerHandle] = {}
        # topic -> its events put back in change-number order (live/ordering.py)
        self._order: dict[str, TopicOrder] = {}
        self._viewers: dict[str, dict[str, frozenset[Viewer]]] = {}  # topic -> page -> distinct viewers
        self._release_at: dict[str, asyncio.TimerHandle] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._recovery: asyncio.Task[None] | None = None
        self._behind: dict[str, int] = {}  # topic -> a change the database had at the last audit
        self.reporter = ops.Reporter()
        self.presence = presence.make_store()
        self.typing = Typing()
        # what this process last showed on each presence topic: states, and frames by language
        self._presence_states: dict[str, dict[int, str]] = {}
        self._presence_frames: dict[tuple[str, str], str] = {}
        self._to_announce: set[str] = set()
        self._to_show: set[str] = set()
        self.watchdog = Watchdog(settings.LIVE["WATCHDOG"])

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
        self._listener = asyncio.create_task(self._listen(), name="live-hub-listen")
        self._tasks = [
            asyncio.create_task(self._housekeeping(), name="live-hub-housekeeping"),
            asyncio.create_task(self._presence_batches(), name="live-hub-presence"),
        ]

    async def stop(self) -> None:
        self._tasks.append(self._listener)
        if self._recovery is not None:
            self._tasks.append(self._recovery)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        _hubs.pop(asyncio.get_running_loop(), None)

    @classmethod
    async def stop_current(cls) -> None:
        hub = _hubs.get(asyncio.get_running_loop())
        if hub is not None:
            await hub.stop()

    # --- sockets join and leave -----------------------------------------------------------

    async def join(self, sock: LiveConsumer, topics: Iterable[str]) -> None:
        """Register ``sock`` for ``topics`` and return once this process receives their events.
        On its presence topics it counts as here (everyone's "who is here" list follows)."""
        topics = tuple(topics)
        self._add(sock, topics)
        try:
            await asyncio.gather(*(self._subscribe(topic) for topic in topics))
        except BaseException:
            self.leave(sock, topics)
            raise
        stats.counters["sockets_joined"] += 1

    def leave(self, sock: LiveConsumer, topics: Iterable[str]) -> None:
        if sock.presence_topics:
            asyncio.ensure_future(self._depart(sock))
        self._drop(sock, topics)

    async def retopic(self, sock: LiveConsumer, old_topics: Iterable[str]) -> None:
        """``sock`` was authorized again: it now watches ``sock.topics`` instead of
        ``old_topics``, maybe as another viewer (a new role). Its presence is unchanged."""
        old, new = set(old_topics), set(sock.topics)
        for topic in old | new:
            self._viewers.pop(topic, None)  # its viewer may have changed
        self._drop(sock, old - new)
        added = tuple(new - old)
        self._add(sock, added)
        await asyncio.gather(*(self._subscribe(topic) for topic in added))

    def _add(self, sock: LiveConsumer, topics: Iterable[str]) -> None:
        for topic in topics:
            self.sockets.setdefault(topic, {}).setdefault(sock.page, set()).add(sock)
            self._viewers.pop(topic, None)
            handle = self._leaving.pop(topic, None)
            if handle is not None:
                handle.cancel()

    def _drop(self, sock: LiveConsumer, topics: Iterable[str]) -> None:
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
                self._leaving[topic] = asyncio.get_running_loop().call_later(
                    grace, lambda t=topic: asyncio.ensure_future(self._unsubscribe(t))
                )

    def figures(self) -> dict[str, Any]:
        sizes = {
            topic: sum(len(members) for members in pages.values())
            for topic, pages in list(self.sockets.items())
        }
        return {
            "sockets": len(self.local_sockets()),
            "topics": len(sizes),
            "topic_sizes": sizes,
            "probe_wait_s": self.watchdog.age(),
        }

    def local_sockets(self, topic: str | None = None) -> list[LiveConsumer]:
        topics = [topic] if topic is not None else list(self.sockets)
        seen: dict[int, LiveConsumer] = {}
        for t in topics:
            for members in self.sockets.get(t, {}).values():
                for sock in members:
                    seen[id(sock)] = sock
        return list(seen.values())

    async def _subscribe(self, topic: str) -> None:
        joined = self._joined.get(topic)
        if joined is None:
            joined = self._joined[topic] = asyncio.get_running_loop().create_future()
            try:
                await self.layer.group_add(group_name(topic), self.channel)
            except BaseException as exc:
                del self._joined[topic]
                joined.set_exception(exc)
                joined.exception()  # mark retrieved; callers get it below
                raise
            joined.set_result(None)
        await joined

    async def _unsubscribe(self, topic: str) -> None:
        self._leaving.pop(topic, None)
        if topic in self.sockets:
            return  # someone came back during the grace period
        self._joined.pop(topic, None)
        self._order.pop(topic, None)
        release = self._release_at.pop(topic, None)
        if release is not None:
            release.cancel()
        self._presence_states.pop(topic, None)
        self.typing.typers.pop(topic, None)
        try:
            await self.layer.group_discard(group_name(topic), self.channel)
        except Exception:  # the group expires by itself anyway
            logger.warning("could not leave %s", topic, exc_info=True)

    # --- events in ------------------------------------------------------------------------

    async def _listen(self) -> None:
        while True:
            self.watchdog.receiving()
            try:
                message = await self.layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("channel layer unreachable; pages will be re-synced")
                stats.counters["layer_errors"] += 1
                try:
                    await self._recover_soon(unreachable=True)
                except Exception:  # the listening goes on whatever went wrong in there
                    logger.exception("recovering from the channel layer's outage failed")
                continue
            self.watchdog.received(message)
            if message.get("type") != EVENT_TYPE:
                continue
            try:
                await self.handle(message)
            except Exception:
                stats.counters["render_errors"] += 1
                logger.exception("live event failed: %r", message)

    def _recover_soon(self, *, unreachable: bool) -> asyncio.Task[None]:
        """Start recovering from a layer that lost this process's memberships and messages
        (one recovery at a time); the task ends once every page is re-synced."""
        if self._recovery is None or self._recovery.done():
            self._recovery = asyncio.create_task(self._recover(unreachable), name="live-hub-recover")
        return self._recovery

    async def _recover(self, unreachable: bool) -> None:
        """Re-join every group as soon as the layer answers, then re-sync every page (events
        were lost). While the layer is ``unreachable`` the pages say "reconnecting", which
        makes them poll their live regions over HTTP (live/poll.py) until the re-sync."""
        if unreachable:
            await self._show_status("reconnecting", announce=True)
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
        for handle in self._release_at.values():
            handle.cancel()
        self._release_at.clear()
        self._order.clear()
        # Access changes and ended sessions may have been among what was lost.
        sockets = self.local_sockets()
        try:
            await self.check_sessions([sock for sock in sockets if sock.ready])
        except Exception:
            logger.exception("could not check the sessions of the re-synced pages")
        for sock in sockets:
            try:
                await sock.reauthorize(resend=True)
            except Exception:
                logger.exception("could not re-sync a page")

    async def _rejoin(self) -> None:
        # Pooled connections from before the outage may be dead: start afresh.
        close_pools = getattr(self.layer, "close_pools", None)
        if close_pools is not None:
            await close_pools()
        await self._refresh_groups()

    async def _check_layer(self) -> None:
        """Recover if the layer forgot this process (a Redis that restarted empty while our
        blocking pop reconnected to it without an error) or cannot be reached, or if the
        receive hangs while messages wait for it (live/watchdog.py)."""
        if self._recovery is not None and not self._recovery.done():
            return
        if self.watchdog.stuck():
            await self._restart_listening()
            return
        try:
            intact = await asyncio.wait_for(
                remembers(self.layer, self.channel), settings.LIVE["LAYER_TIMEOUT"]
            )
            await asyncio.wait_for(
                self.watchdog.probe(self.layer, self.channel), settings.LIVE["LAYER_TIMEOUT"]
            )
        except Exception:  # unreachable, or hung (a TimeoutError)
            stats.counters["layer_errors"] += 1
            self._recover_soon(unreachable=True)
            return
        if not intact:
            stats.counters["layer_forgot"] += 1
            logger.warning("the channel layer forgot this process's groups (restarted empty?)")
            self._recover_soon(unreachable=False)

    async def _restart_listening(self) -> None:
        """The receive hangs: replace it with a new one, then re-join and re-sync every page
        (what waited for the old receive may be lost)."""
        stats.counters["watchdog_restarts"] += 1
        logger.warning(
            "the channel layer's receive has handed back nothing for %.0f s while messages wait; "
            "starting a new one and re-syncing this process's pages",
            self.watchdog.age() or 0,
        )
        self._listener.cancel()
        await asyncio.gather(self._listener, return_exceptions=True)
        self.watchdog.reset()
        self._listener = asyncio.create_task(self._listen(), name="live-hub-listen")
        self._recover_soon(unreachable=False)

    async def _show_status(self, state: str, *, announce: bool) -> int:
        """Put every ready page's connection indicator in ``state`` (rendered once per
        language); how many pages."""
        sockets = [sock for sock in self.local_sockets() if sock.ready]
        frames: dict[str, Outgoing] = {}
        for sock in sockets:
            language = sock.viewer.language
            if language not in frames:
                frames[language] = Outgoing(
                    await database_sync_to_async(registry.render_status)(language, state, announce=announce)
                )
            sock.deliver(None, None, frames[language])
        return len(sockets)

    async def handle(self, message: dict[str, Any]) -> None:
        """Take one event from the layer: show it now, or hold it until the change before it
        has arrived (live/ordering.py)."""
        stats.counters["events"] += 1
        topic, seq = message["topic"], message.get("seq")
        if seq is None:
            await self._show(message)
            return
        arrival = self._order.setdefault(topic, TopicOrder()).arrive(seq, message, time.monotonic())
        if arrival.duplicate:
            stats.counters["duplicates"] += 1
        if arrival.late:
            stats.counters["late"] += 1
            await self.resync(topic)
        for ready in arrival.ready:
            await self._show(ready)
        self._schedule_release(topic)

    def _viewers_on(self, topic: str) -> dict[str, frozenset[Viewer]]:
        """Each page's distinct viewers on ``topic`` (kept until a socket joins or leaves it)."""
        viewers = self._viewers.get(topic)
        if viewers is None:
            pages = self.sockets.get(topic, {})
            viewers = {page: frozenset(sock.viewer for sock in members) for page, members in pages.items()}
            self._viewers[topic] = viewers
        return viewers

    def snapshot_taken(self, seqs: dict[str, int]) -> None:
        """A page read its topics at these change numbers: where no event has come yet, the
        next one due is the one after (so one that overtakes it is held, not shown first)."""
        now = time.monotonic()
        for topic, seq in seqs.items():
            self._order.setdefault(topic, TopicOrder()).start_after(seq, now)

    def _schedule_release(self, topic: str) -> None:
        """Let the topic's held events through once they have waited long enough."""
        order = self._order.get(topic)
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
        order = self._order.get(topic)
        if order is None:
            return
        try:
            for message in order.overdue(time.monotonic()):
                await self._show(message)
        except Exception:
            stats.counters["render_errors"] += 1
            logger.exception("live event failed on %s", topic)
        self._schedule_release(topic)

    async def _show(self, message: dict[str, Any]) -> None:
        """Render one event for the pages watching its topic and write it to their sockets."""
        started = time.perf_counter()
        topic = message["topic"]
        pages = self.sockets.get(topic)
        if not pages:
            return
        kind = message.get("kind")
        if kind == registry.RESET:
            await self.resync(topic)
            return
        if kind == PRESENCE_CHANGED:
            self._to_show.add(topic)
            return
        if kind in (TYPING_START, TYPING_STOP):
            self._on_typing(topic, message)
            return
        if kind == sessions.SESSION_ENDED:
            for sock in self.local_sockets(topic):
                if sessions.session_tag(sock.session_key) == message.get("session"):
                    await sock.sign_out()
            return
        if kind == sessions.SESSION_CHECK:  # a user was saved: signed out, or a new role?
            await self.check_sessions(self.local_sockets(topic))
            await self.reauthorize(topic, resend=False)
            return
        if kind == ACCESS_CHANGED:
            await self.reauthorize(topic)
            return
        renderer = registry.renderer_for(message["kind"])
        viewers = self._viewers_on(topic)
        # languages are audiences: one render per language present, not per socket
        languages = {viewer.language for page_viewers in viewers.values() for viewer in page_viewers}
        frames = {
            language: await database_sync_to_async(_render_counting_queries)(
                renderer, message, frozenset(pages), language, viewers
            )
            for language in languages
        }
        seq = message.get("seq")
        sent = 0
        viewers = self._viewers_on(topic)  # again: sockets may have come during the render
        encoded: dict[int, Outgoing] = {}  # each distinct text, encoded once (live/wire.py)
        for page, members in list(pages.items()):
            # each distinct viewer's text, picked once: a user's tabs (and, for a frame that is
            # the same for everyone, every socket) share it, and a socket costs a lookup
            texts: dict[Viewer, Outgoing | None] = {}
            for viewer in viewers.get(page, ()):
                frame = frames.get(viewer.language, {}).get(page)
                text = frame if frame is None or isinstance(frame, str) else frame.pick(viewer)
                if text:
                    texts[viewer] = encoded.get(id(text)) or encoded.setdefault(id(text), Outgoing(text))
            for sock in tuple(members):
                text = texts.get(sock.viewer)
                if text:
                    sock.deliver(topic, seq, text)
                    sent += 1
        stats.counters["deliveries"] += sent
        stats.fanout_ms.append((time.perf_counter() - started) * 1000)

    async def reauthorize(self, topic: str, *, resend: bool = True) -> None:
        """Every local socket on ``topic`` checks again what its user may see (live/access.py)."""
        for sock in self.local_sockets(topic):
            await sock.reauthorize(resend=resend)
        stats.counters["reauthorized"] += 1

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
        order = self._order.get(topic)
        if order is not None and shown and len(shown) == len(sockets):
            order.resynced(min(shown))

    # --- presence and typing ---------------------------------------------------------------

    @staticmethod
    def _entry(sock: LiveConsumer) -> str:
        return presence.entry_key(sock.viewer.user_id, ops.PROCESS, id(sock))

    async def arrive(self, sock: LiveConsumer) -> None:
        """``sock`` counts as here on its presence topics (after its snapshot: best effort, off
        the handshake's path). Announcements are batched: a storm of arrivals costs each
        process one re-read per topic every PRESENCE_BATCH seconds."""
        try:
            for topic in sock.presence_topics:
                await self.presence.enter(topic, self._entry(sock), sock.viewer.user_id)
                self._to_announce.add(topic)
                await self._send_current_ephemera(sock, topic)
        except Exception:
            logger.warning("could not record arriving on %s", sock.presence_topics, exc_info=True)

    async def _depart(self, sock: LiveConsumer) -> None:
        try:
            for topic in sock.presence_topics:
                await self.presence.leave(topic, self._entry(sock))
                self._to_announce.add(topic)
        except Exception:  # the entry expires by itself
            logger.warning("could not record leaving %s", sock.presence_topics, exc_info=True)

    async def _presence_batches(self) -> None:
        while True:
            await asyncio.sleep(PRESENCE_BATCH)
            try:
                announce, self._to_announce = self._to_announce, set()
                for topic in announce:  # every process, this one too, re-reads the topic
                    await asyncio.wait_for(
                        self.layer.group_send(
                            group_name(topic), {"type": EVENT_TYPE, "topic": topic, "kind": PRESENCE_CHANGED}
                        ),
                        settings.LIVE["LAYER_TIMEOUT"],
                    )
                show, self._to_show = self._to_show, set()
                for topic in show:
                    await self._show_presence(topic)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("presence update failed")

    async def _show_presence(self, topic: str) -> None:
        """Re-read who is here and, if it changed, push the list to the local sockets."""
        if topic not in self.sockets:
            return
        states = await self.presence.states(topic)
        if states == self._presence_states.get(topic):
            return
        self._presence_states[topic] = states
        for key in [key for key in self._presence_frames if key[0] == topic]:
            del self._presence_frames[key]  # frames of the old list, in every language
        # only pages that show this list get it (the home page follows a board without one)
        watchers = [sock for sock in self.local_sockets(topic) if topic in sock.presence_topics]
        for language in {sock.viewer.language for sock in watchers}:
            self._presence_frames[(topic, language)] = await database_sync_to_async(presence.render_states)(
                topic, states, language
            )
        for sock in watchers:
            sock.deliver(None, None, self._presence_frames[(topic, sock.viewer.language)])

    async def touch(self, sock: LiveConsumer) -> None:
        """``sock``'s user did something (sent a message, typed, read): they are active."""
        now = time.monotonic()
        if now - sock.touched_at < presence.timing("REFRESH"):
            return
        was_idle = now - sock.touched_at >= presence.timing("IDLE")
        sock.touched_at = now
        for topic in sock.presence_topics:
            await self.presence.touch(topic, sock.viewer.user_id)
            if was_idle:
                self._to_announce.add(topic)

    def _on_typing(self, topic: str, message: dict[str, Any]) -> None:
        if message["kind"] == TYPING_START:
            changed = self.typing.start(topic, message["user"], message.get("name", ""))
        else:
            changed = self.typing.stop(topic, message["user"])
        if changed:
            self._show_typing(topic)

    def _show_typing(self, topic: str) -> None:
        frames: dict[tuple[int, str], str] = {}
        for sock in self.local_sockets(topic):
            if sock.shows_typing:
                sock.deliver(
                    None,
                    None,
                    self.typing.frame_for(topic, sock.viewer.user_id, sock.viewer.language, frames),
                )

    async def _send_current_ephemera(self, sock: LiveConsumer, topic: str) -> None:
        """A newcomer gets the current "who is here" and "who is typing" (after its snapshot),
        rendered now if it is the first here in its language."""
        key = (topic, sock.viewer.language)
        if key not in self._presence_frames and topic in self._presence_states:
            self._presence_frames[key] = await database_sync_to_async(presence.render_states)(
                topic, self._presence_states[topic], sock.viewer.language
            )
        frame = self._presence_frames.get(key)
        if frame is not None and topic in sock.presence_topics:
            sock.deliver(None, None, frame)
        if sock.shows_typing and self.typing.typers.get(topic):
            sock.deliver(
                None, None, self.typing.frame_for(topic, sock.viewer.user_id, sock.viewer.language, {})
            )

    # --- sessions -------------------------------------------------------------------------

    async def check_sessions(self, sockets: list[LiveConsumer]) -> None:
        """Close the sockets whose session no longer signs their user in (live/sessions.py)."""
        owners = {sock.session_key: sock.viewer.user_id for sock in sockets if sock.session_key}
        if not owners:
            return
        ended = await database_sync_to_async(sessions.signed_out)(owners)
        for sock in sockets:
            if sock.session_key in ended or not sock.session_key:
                await sock.sign_out()

    # --- housekeeping ---------------------------------------------------------------------

    async def _housekeeping(self) -> None:
        conf = settings.LIVE
        next_heartbeat = time.monotonic() + conf["HEARTBEAT"]
        next_refresh = time.monotonic() + conf["GROUP_REFRESH"]
        next_layer_check = time.monotonic() + conf["LAYER_CHECK"]
        next_audit = time.monotonic() + conf["AUDIT"] * random.uniform(0.5, 1.0)
        next_report = time.monotonic()
        next_presence_refresh = time.monotonic() + presence.timing("REFRESH")
        next_presence_check = time.monotonic() + presence.timing("CHECK")
        next_session_check = time.monotonic() + conf["SESSION_CHECK"] * random.uniform(0.5, 1.0)
        while True:
            await asyncio.sleep(1)
            now = time.monotonic()
            try:
                await self._settle_gaps(now)
                if now >= next_heartbeat:
                    next_heartbeat = now + conf["HEARTBEAT"]
                    await self.heartbeat()
                if now >= next_layer_check:
                    next_layer_check = now + conf["LAYER_CHECK"]
                    await self._check_layer()
                await self._run_jobs(now)
                if now >= next_audit:
                    next_audit = now + conf["AUDIT"]
                    await self._audit()
                if now >= next_refresh:
                    next_refresh = now + conf["GROUP_REFRESH"]
                    await asyncio.wait_for(self._refresh_groups(), conf["LAYER_TIMEOUT"] * 5)
                await self._rotate_old_sockets()
                for topic in self.typing.expire():
                    self._show_typing(topic)
                if now >= next_presence_refresh:
                    next_presence_refresh = now + presence.timing("REFRESH")
                    await self.presence.refresh(
                        [
                            (topic, self._entry(sock))
                            for sock in self.local_sockets()
                            for topic in sock.presence_topics
                        ]
                    )
                if now >= next_presence_check:  # entries of other processes expire without a word
                    next_presence_check = now + presence.timing("CHECK")
                    self._to_show.update(self._presence_states)
                if now >= next_session_check:
                    next_session_check = now + conf["SESSION_CHECK"]
                    await self.check_sessions([sock for sock in self.local_sockets() if sock.ready])
                if now >= next_report:
                    next_report = now + ops.OPS_INTERVAL
                    await self.reporter.report(self.figures())
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("live housekeeping failed")

    async def _settle_gaps(self, now: float) -> None:
        for topic, order in list(self._order.items()):
            lost = order.lost(now)
            if not lost:
                continue
            stats.counters["dropped"] += lost
            logger.warning("%d event(s) of %s never arrived; re-syncing its pages", lost, topic)
            if topic in self.sockets:
                await self.resync(topic)

    async def _run_jobs(self, now: float) -> None:
        """The apps' periodic jobs that are due (live/periodic.py), each in a worker thread."""
        for job in list(periodic.jobs.values()):
            if now >= job.next_at:
                job.next_at = now + job.seconds
                try:
                    await database_sync_to_async(job.run)()
                except Exception:
                    logger.exception("periodic job %r failed", job.name)

    async def _audit(self) -> None:
        """Re-sync the topics whose change the database had an audit ago and this process has
        still not shown: its event was lost, and no later one came to reveal it (live/audit.py)."""
        topics = [topic for topic in self.sockets if audit.audited(topic)]
        if not topics:
            self._behind.clear()
            return
        current = await database_sync_to_async(audit.current)(topics)
        behind, self._behind = self._behind, {}
        for topic, seq in current.items():
            order = self._order.get(topic)
            if order is None or order.last is None or seq <= order.last:
                continue
            if topic in behind and order.last < behind[topic] and topic in self.sockets:
                stats.counters["audit_resyncs"] += 1
                logger.warning(
                    "%s is at %d here, %d in the database; re-syncing its pages", topic, order.last, seq
                )
                await self.resync(topic, recheck=True)  # a lost event may have changed access
            else:
                self._behind[topic] = seq  # maybe in flight: judged at the next audit

    async def heartbeat(self) -> None:
        """Re-render the connection indicator on every ready socket (it turns to
        "reconnecting" by itself if heartbeats stop). None while the layer is being
        recovered: the pages say "reconnecting" then, and poll."""
        if self._recovery is not None and not self._recovery.done():
            return
        if await self._show_status("live", announce=False):
            stats.counters["heartbeats"] += 1

    async def _refresh_groups(self) -> None:
        await self.layer.group_add(MARKER, self.channel)
        for topic in list(self._joined):
            await self.layer.group_add(group_name(topic), self.channel)

    async def _rotate_old_sockets(self) -> None:
        now = time.monotonic()
        for sock in self.local_sockets():
            if now >= sock.rotate_at:
                sock.rotate_at = float("inf")  # once
                try:
                    await sock.close(code=1012)
                except Exception:
                    # daphne cannot send 1012 (see LiveConsumer.close): the socket stays, and
                    # scripts/serve.sh turns daphne's own age limit off. Housekeeping goes on.
                    stats.counters["not_rotated"] += 1
                    logger.debug("could not rotate a socket", exc_info=True)
                    continue
                stats.counters["rotated"] += 1

    @staticmethod
    def rotation_deadline() -> float:
        """When a new socket should be rotated: a jittered age so sockets don't all return at once."""
        age = settings.LIVE["MAX_SOCKET_AGE"]
        return time.monotonic() + age * random.uniform(0.9, 1.0)


def _render_counting_queries(
    renderer: registry.Renderer,
    message: dict[str, Any],
    pages: frozenset[str],
    language: str,
    viewers: dict[str, frozenset[Viewer]],
) -> dict[str, str | registry.Variants]:
    queries = 0

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    renders_before = stats.counters["renders"]
    with (
        connection.execute_wrapper(count),
        translation.override(language),
        registry.render_pass(
            {page: frozenset(v for v in vs if v.language == language) for page, vs in viewers.items()}
        ),
    ):
        frames = renderer(message, pages)
    stats.counters["queries"] += queries
    cost = stats.event_costs.setdefault(message.get("kind", ""), Counter())
    cost["renders"] += stats.counters["renders"] - renders_before  # renders run on this one thread
    cost["queries"] += queries
    return frames
