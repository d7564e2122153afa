"""The hub's part that keeps "who is here" and "who is typing" (live/presence.py, live/typing.py).

A socket counts as here on its presence topics once its snapshot is sent; arrivals and
departures are gathered for PRESENCE_BATCH seconds and announced with one event per topic,
on which every process re-reads the topic's list and pushes it to its pages if it changed
(one render per language). Typing is kept in memory: ``typing.start`` / ``typing.stop`` events
change it, and entries expire by themselves. A newcomer gets both lists as they stand.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, ClassVar

from channels.db import database_sync_to_async
from django.conf import settings

from live import ops, presence
from live.parts import HubCore, Part, Socket
from live.publish import EVENT_TYPE, group_name
from live.schedule import Schedule
from live.typing import Typing

logger = logging.getLogger(__name__)

PRESENCE_BATCH = 0.5  # seconds over which arrivals and departures are gathered
PRESENCE_CHANGED, TYPING_START, TYPING_STOP = "presence.changed", "typing.start", "typing.stop"


class Here(Part):
    kinds: ClassVar[dict[str, str]] = {
        PRESENCE_CHANGED: "on_presence_changed",
        TYPING_START: "on_typing",
        TYPING_STOP: "on_typing",
    }

    def __init__(self, hub: HubCore) -> None:
        super().__init__(hub)
        self.store = presence.make_store()
        self.typing = Typing()
        # what this process last showed on each presence topic: states, and frames by language
        self.states: dict[str, dict[int, str]] = {}
        self.frames: dict[tuple[str, str], str] = {}
        self.to_announce: set[str] = set()
        self.to_show: set[str] = set()

    def scheduled(self, schedule: Schedule) -> None:
        schedule.every(PRESENCE_BATCH, self.announce_and_show, name="presence batches")
        schedule.every(1, self.expire_typing, name="typing expiry")
        schedule.every(lambda: presence.timing("REFRESH"), self.refresh, name="presence refresh")
        # entries of other processes expire without a word: re-read every shown list now and then
        schedule.every(lambda: presence.timing("CHECK"), self.recheck, name="presence check")

    def settled(self) -> bool:
        return not self.to_announce and not self.to_show

    @staticmethod
    def entry(sock: Socket) -> str:
        return presence.entry_key(sock.viewer.user_id, ops.PROCESS, id(sock))

    # --- sockets arrive, act and leave -----------------------------------------------------

    async def arrive(self, sock: Socket) -> None:
        """``sock`` counts as here on its presence topics (after its snapshot: best effort, off
        the handshake's path). Announcements are batched: a storm of arrivals costs each
        process one re-read per topic every PRESENCE_BATCH seconds."""
        try:
            for topic in sock.presence_topics:
                await self.store.enter(topic, self.entry(sock), sock.viewer.user_id)
                self.to_announce.add(topic)
                await self._send_current(sock, topic)
        except Exception:
            logger.warning("could not record arriving on %s", sock.presence_topics, exc_info=True)

    def left(self, sock: Socket) -> None:
        if sock.presence_topics:
            asyncio.ensure_future(self._depart(sock))

    async def _depart(self, sock: Socket) -> None:
        try:
            for topic in sock.presence_topics:
                await self.store.leave(topic, self.entry(sock))
                self.to_announce.add(topic)
        except Exception:  # the entry expires by itself
            logger.warning("could not record leaving %s", sock.presence_topics, exc_info=True)

    async def touch(self, sock: Socket) -> None:
        """``sock``'s user did something (sent a message, typed, read): they are active."""
        now = time.monotonic()
        if now - sock.touched_at < presence.timing("REFRESH"):
            return
        was_idle = now - sock.touched_at >= presence.timing("IDLE")
        sock.touched_at = now
        for topic in sock.presence_topics:
            await self.store.touch(topic, sock.viewer.user_id)
            if was_idle:
                self.to_announce.add(topic)

    def forget(self, topic: str) -> None:
        self.states.pop(topic, None)
        self.typing.typers.pop(topic, None)

    # --- periodic work ---------------------------------------------------------------------

    async def announce_and_show(self) -> None:
        announce, self.to_announce = self.to_announce, set()
        for topic in announce:  # every process, this one too, re-reads the topic
            await asyncio.wait_for(
                self.hub.layer.group_send(
                    group_name(topic), {"type": EVENT_TYPE, "topic": topic, "kind": PRESENCE_CHANGED}
                ),
                settings.LIVE["LAYER_TIMEOUT"],
            )
        show, self.to_show = self.to_show, set()
        for topic in show:
            await self._show(topic)

    async def expire_typing(self) -> None:
        for topic in self.typing.expire():
            self._show_typing(topic)

    async def refresh(self) -> None:
        await self.store.refresh(
            [(topic, self.entry(sock)) for sock in self.hub.local_sockets() for topic in sock.presence_topics]
        )

    async def recheck(self) -> None:
        self.to_show.update(self.states)

    # --- events ----------------------------------------------------------------------------

    async def on_presence_changed(self, topic: str, message: dict[str, Any]) -> None:
        self.to_show.add(topic)

    async def on_typing(self, topic: str, message: dict[str, Any]) -> None:
        if message["kind"] == TYPING_START:
            changed = self.typing.start(topic, message["user"], message.get("name", ""))
        else:
            changed = self.typing.stop(topic, message["user"])
        if changed:
            self._show_typing(topic)

    # --- showing ---------------------------------------------------------------------------

    async def _show(self, topic: str) -> None:
        """Re-read who is here and, if it changed, push the list to the local sockets."""
        if topic not in self.hub.sockets:
            return
        states = await self.store.states(topic)
        if states == self.states.get(topic):
            return
        self.states[topic] = states
        for key in [key for key in self.frames if key[0] == topic]:
            del self.frames[key]  # frames of the old list, in every language
        # only pages that show this list get it (the home page follows a board without one)
        watchers = [sock for sock in self.hub.local_sockets(topic) if topic in sock.presence_topics]
        for language in {sock.viewer.language for sock in watchers}:
            self.frames[(topic, language)] = await database_sync_to_async(presence.render_states)(
                topic, states, language
            )
        for sock in watchers:
            sock.deliver(None, None, self.frames[(topic, sock.viewer.language)])

    def _show_typing(self, topic: str) -> None:
        frames: dict[tuple[int, str], str] = {}
        for sock in self.hub.local_sockets(topic):
            if sock.shows_typing:
                sock.deliver(
                    None,
                    None,
                    self.typing.frame_for(topic, sock.viewer.user_id, sock.viewer.language, frames),
                )

    async def _send_current(self, sock: Socket, topic: str) -> None:
        """A newcomer gets the current "who is here" and "who is typing" (after its snapshot),
        rendered now if it is the first here in its language."""
        key = (topic, sock.viewer.language)
        if key not in self.frames and topic in self.states:
            self.frames[key] = await database_sync_to_async(presence.render_states)(
                topic, self.states[topic], sock.viewer.language
            )
        frame = self.frames.get(key)
        if frame is not None and topic in sock.presence_topics:
            sock.deliver(None, None, frame)
        if sock.shows_typing and self.typing.typers.get(topic):
            sock.deliver(
                None, None, self.typing.frame_for(topic, sock.viewer.user_id, sock.viewer.language, {})
            )
