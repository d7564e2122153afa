"""The base class of every live page's socket.

A page's consumer says three things, each a sync method run in a worker thread:

- ``authorize(user)``: who may connect, as a :class:`~live.registry.Viewer` and the topics
  to watch (raise ``PermissionDenied`` or ``ObjectDoesNotExist`` to refuse);
- ``render_snapshot()``: every live region of the page as OOB fragments, with the change
  number each topic was at (so the hub can skip events the snapshot already shows);
- ``actions``: the inbound actions it accepts (``ws-send``), mapped to async methods.

Connecting: authenticate and authorize, join the hub's topics, then ``accept()`` (a failure
before accept makes htmx back off; after accept it would retry at once), then send the
snapshot. Events arriving meanwhile wait in a backlog and are sent after the snapshot,
minus those it already contains. So a page never misses an event committed between its
HTTP render and its socket, and a reconnect heals everything missed while away.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from typing import ClassVar

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import Http404
from django.utils import translation

from live import protocol, stats
from live.hub import Hub
from live.protocol import CloseCode, FrameError, FrameTooBig
from live.registry import Viewer, render, render_status

logger = logging.getLogger(__name__)

BACKLOG_LIMIT = 500  # events waiting for a snapshot; past this, take a fresh snapshot instead
STRIKES_BEFORE_CLOSE = 20  # rate-limited frames before a flooding socket is closed with 4429


class TokenBucket:
    """``rate`` tokens per second, at most ``burst`` saved up."""

    __slots__ = ("rate", "burst", "tokens", "stamp")

    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst, self.tokens, self.stamp = rate, burst, float(burst), time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


class LiveConsumer(AsyncWebsocketConsumer):
    # No channel-layer channel per socket: the process's hub receives events and writes to
    # this socket directly (see live/hub.py).
    channel_layer_alias = None

    page: ClassVar[str]
    actions: ClassVar[dict[str, str]] = {}

    viewer: Viewer
    ready = False
    rotate_at = float("inf")

    # --- what a page provides (sync, run in a worker thread) ------------------------------

    def authorize(self, user: AbstractBaseUser) -> tuple[Viewer, list[str]]:
        raise NotImplementedError

    def render_snapshot(self) -> tuple[str, dict[str, int]]:
        raise NotImplementedError

    # --- connection -----------------------------------------------------------------------

    async def connect(self) -> None:
        self.topics: tuple[str, ...] = ()
        self.hub: Hub | None = None
        self.backlog: deque[tuple[str | None, int | None, str]] = deque()
        self.snapshot_seqs: dict[str, int] = {}
        self._snapshotting = False
        self._snapshot_again = False
        self._bucket = TokenBucket(*settings.LIVE["RATE"])
        self._strikes = 0
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.refuse(CloseCode.UNAUTHENTICATED, "signed_out")
            return
        try:
            self.viewer, topics = await database_sync_to_async(self.authorize)(user)
        except (PermissionDenied, ObjectDoesNotExist, Http404):
            await self.refuse(CloseCode.FORBIDDEN, "forbidden")
            return
        self.hub = await Hub.current()
        await self.hub.join(self, topics)
        self.topics = tuple(topics)
        self.rotate_at = Hub.rotation_deadline()
        await self.accept()
        stats.counters["connects"] += 1
        await self.send_snapshot()

    async def refuse(self, code: CloseCode, state: str) -> None:
        """Accept, say why in the connection indicator, and close with a code htmx won't retry.
        (Refusing the handshake instead would look like a network error, retried forever.)"""
        await self.accept()
        language = translation.get_language() or settings.LANGUAGE_CODE
        await self.send(text_data=await database_sync_to_async(render_status)(language, state))
        await self.close(code=code)
        stats.counters[f"refused_{int(code)}"] += 1

    async def disconnect(self, code: int) -> None:
        if self.hub is not None:
            self.hub.leave(self, self.topics)
            self.hub = None
        self.ready = False

    # --- snapshot and delivery ------------------------------------------------------------

    async def send_snapshot(self) -> None:
        """Send every live region as it is now, then whatever arrived meanwhile and is newer."""
        if self._snapshotting:
            self._snapshot_again = True
            return
        self._snapshotting = True
        self.ready = False
        try:
            while True:
                self._snapshot_again = False
                html, seqs = await database_sync_to_async(self._render_snapshot)()
                await self.send(text_data=html)
                self.snapshot_seqs = seqs
                while self.backlog and not self._snapshot_again:
                    topic, seq, text = self.backlog.popleft()
                    if self._is_new(topic, seq):
                        await self._write(text)
                if not self._snapshot_again:
                    break
            self.ready = True
        finally:
            self._snapshotting = False
        stats.counters["snapshots"] += 1

    def _render_snapshot(self) -> tuple[str, dict[str, int]]:
        with translation.override(self.viewer.language):
            html, seqs = self.render_snapshot()
            return render_status(self.viewer.language) + html, seqs

    async def resync(self) -> None:
        """Called by the hub when this page may have missed events."""
        if self.hub is not None:
            await self.send_snapshot()

    async def deliver(self, topic: str | None, seq: int | None, text: str) -> None:
        """Called by the hub with a finished frame for this socket."""
        if not self.ready:
            if len(self.backlog) >= BACKLOG_LIMIT:
                self.backlog.clear()
                self._snapshot_again = True
            else:
                self.backlog.append((topic, seq, text))
            return
        if self._is_new(topic, seq):
            await self._write(text)

    def _is_new(self, topic: str | None, seq: int | None) -> bool:
        return seq is None or topic is None or seq > self.snapshot_seqs.get(topic, 0)

    async def _write(self, text: str) -> None:
        try:
            await self.base_send({"type": "websocket.send", "text": text})
        except Exception:  # the socket went away mid-fan-out; its disconnect will follow
            logger.debug("write to a closing socket failed", exc_info=True)

    # --- inbound frames -------------------------------------------------------------------

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        try:
            inbound = protocol.parse(text_data, max_bytes=settings.LIVE["MAX_FRAME_BYTES"])
        except FrameTooBig:
            stats.counters["frames_too_big"] += 1
            await self.close(code=CloseCode.TOO_BIG)
            return
        except FrameError as exc:
            stats.counters["frames_rejected"] += 1
            await self.send_error(str(exc))
            return
        if not self._bucket.take():
            self._strikes += 1
            stats.counters["frames_rate_limited"] += 1
            if self._strikes >= STRIKES_BEFORE_CLOSE:
                await self.close(code=CloseCode.TOO_MANY)
            else:
                await self.send_error("Too many messages; slow down.")
            return
        handler = self.actions.get(inbound.action)
        if handler is None:
            stats.counters["frames_rejected"] += 1
            await self.send_error(f"Unknown action {inbound.action[:40]!r}.")
            return
        await getattr(self, handler)(inbound)

    async def send_error(self, message: str) -> None:
        """Show ``message`` in the page's error banner (this socket only)."""
        html = await database_sync_to_async(render)(
            "live/error.html", {"message": message, "oob": True}, language=self.viewer_language()
        )
        await self.send(text_data=html)

    def viewer_language(self) -> str:
        viewer = getattr(self, "viewer", None)
        return viewer.language if viewer else settings.LANGUAGE_CODE
