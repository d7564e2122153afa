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

Writing: the hub hands each socket a finished frame with ``deliver()``, which returns at
once; the socket's :class:`~live.outbox.Outbox` writes it or keeps it (the backlog during a
snapshot, the stalled queue behind a peer that is not reading).

A socket's life is one :class:`State` at a time, changed only by ``_enter_state()``, which
knows the allowed transitions::

    CONNECTING -> SNAPSHOTTING -> LIVE -> SNAPSHOTTING (a re-sync) -> LIVE ...
         any state -> GIVEN_UP (stopped reading, or flooding: nothing more in or out)
         any state -> CLOSED
"""

from __future__ import annotations

import asyncio
import enum
import logging
import time
from typing import Any, ClassVar

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext as _

from live import caps, htmx, protocol, regions, registry, sessions, stats
from live.hub import Hub
from live.outbox import Outbox
from live.protocol import CloseCode, FrameError, FrameTooBig, Inbound
from live.ratelimit import Limiter
from live.registry import Viewer, render, render_status
from live.upkeep import rotation_deadline
from live.wire import Outgoing

logger = logging.getLogger(__name__)

# What authorize() raises for a page the user may not see (a socket: 4403; a poll: "forbidden").
REFUSALS = (PermissionDenied, ObjectDoesNotExist, Http404)


class State(enum.Enum):
    CONNECTING = "connecting"  # authenticating, joining the hub: frames are not kept yet
    SNAPSHOTTING = "snapshotting"  # its snapshot being read and sent: frames wait in the backlog
    LIVE = "live"  # frames written as they come
    GIVEN_UP = "given up"  # stopped reading, or flooding: nothing more in or out; closing
    CLOSED = "closed"


TRANSITIONS: dict[State, frozenset[State]] = {
    State.CONNECTING: frozenset({State.SNAPSHOTTING, State.GIVEN_UP, State.CLOSED}),
    State.SNAPSHOTTING: frozenset({State.LIVE, State.GIVEN_UP, State.CLOSED}),
    State.LIVE: frozenset({State.SNAPSHOTTING, State.GIVEN_UP, State.CLOSED}),
    State.GIVEN_UP: frozenset({State.CLOSED}),
    State.CLOSED: frozenset(),
}


class LiveConsumer(AsyncWebsocketConsumer):
    # No channel-layer channel per socket: the process's hub receives events and writes to
    # this socket directly (see live/hub.py).
    channel_layer_alias = None

    page: ClassVar[str]
    actions: ClassVar[dict[str, str]] = {}

    # Defaults on the class keep idle sockets small: an instance stores only what changed.
    viewer: Viewer
    state = State.CONNECTING
    rotate_at = float("inf")
    topics: tuple[str, ...] = ()
    hub: Hub | None = None
    outbox: Outbox  # made when the socket is accepted
    snapshot_seqs: dict[str, int] = {}  # noqa: RUF012 (replaced on each snapshot, never mutated)
    _snapshot_again = False  # asked for a snapshot while one was being sent
    signals: ClassVar[frozenset[str]] = frozenset()  # actions a later one supersedes (live/ratelimit.py)
    _limiter: Limiter | None = None  # made on the first inbound frame
    _deferred: dict[str, Inbound] | None = None  # the latest signal of each kind over its budget
    presence_topics: tuple[str, ...] = ()  # where this socket counts as "here" (declared Presence)
    shows_typing = False  # does its page show who is typing (a declared Typing)?
    touched_at = float("-inf")  # last activity of its user seen here (monotonic)
    _counted = False  # counted against its user's and address's socket caps (live/caps.py)

    # --- its state ---------------------------------------------------------------------------

    def _enter_state(self, state: State) -> bool:
        """Move to ``state`` if allowed from the current one; whether it moved."""
        if state is self.state:
            return True
        if state not in TRANSITIONS[self.state]:
            return False
        self.state = state
        if state in (State.GIVEN_UP, State.CLOSED) and "outbox" in self.__dict__:
            self.outbox.close()
        return True

    @property
    def ready(self) -> bool:
        """Live: frames are written as they come."""
        return self.state is State.LIVE

    @property
    def _closing(self) -> bool:
        return self.state in (State.GIVEN_UP, State.CLOSED)

    def _give_up(self) -> None:
        """The peer stopped reading: nothing more for it; close with 1013."""
        if self._enter_state(State.GIVEN_UP):
            asyncio.ensure_future(self._close_slow_reader())

    # --- what a page provides (sync, run in a worker thread) ------------------------------

    def authorize(self, user: AbstractBaseUser) -> tuple[Viewer, list[str]]:
        raise NotImplementedError

    def render_snapshot(self) -> tuple[str, dict[str, int]]:
        """The page's regions that are not declared ones, and the change number each topic
        is at; a page made only of declared regions and streams has none."""
        return "", {}

    # Declared regions (live/regions/) are added to every snapshot without a word here:
    # the bell is one, on the user's own topic below.

    def personal_topics(self, viewer: Viewer) -> list[str]:
        """Topics about the viewer themselves; every socket hears its user's (the session ending)."""
        return [sessions.user_topic(viewer.user_id)]

    # --- connection -----------------------------------------------------------------------

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.refuse(CloseCode.UNAUTHENTICATED, "signed_out")
            return
        over = caps.take(user.pk, caps.address_of(self.scope))
        if over is not None:
            stats.counters[f"sockets_over_cap_{over}"] += 1
            await self.refuse(CloseCode.TOO_MANY, "stopped")
            return
        self._counted = True
        try:
            await database_sync_to_async(self.enter)(user)
        except REFUSALS:
            await self.refuse(CloseCode.FORBIDDEN, "forbidden")
            return
        self.hub = await Hub.current()
        await self.hub.join(self, self.topics)
        self.rotate_at = rotation_deadline()
        self.outbox = Outbox(self.base_send, self._give_up)
        await self.accept()
        stats.counters["connects"] += 1
        await self.send_snapshot()
        if self.presence_topics:
            await self.hub.here.arrive(self)

    @property
    def session_key(self) -> str | None:
        return self.scope.get("session_key")

    def enter(self, user: AbstractBaseUser) -> None:
        """Who is looking and what they watch (sync): ``authorize()``, then the viewer in the
        page's language and its topics, the viewer's own included. Raises one of REFUSALS."""
        viewer, topics = self.authorize(user)
        self.viewer = viewer.speaking(self.scope.get("language") or settings.LANGUAGE_CODE)
        self.presence_topics, self.shows_typing = regions.here_on(self.page, topics)
        self.topics = (*topics, *self.personal_topics(self.viewer))

    async def sign_out(self) -> None:
        """The session that opened this socket has ended: say so in the connection indicator
        and close with 4401 (the next page load asks to sign in)."""
        if self.hub is None:
            return
        await self._stop(CloseCode.UNAUTHENTICATED, "signed_out")
        stats.counters["signed_out"] += 1

    async def _stop(self, code: CloseCode, state: str) -> None:
        """End a socket that was live: out of the hub, the indicator says why, closed with ``code``."""
        await self.disconnect(code)
        try:
            await self.end(code, state)
        except Exception:  # it was closing anyway
            logger.debug("ending a closing socket failed", exc_info=True)

    async def reauthorize(self, *, resend: bool = True) -> None:
        """What this socket's user may see has changed (live/access.py): authorize again with
        the user as the database has them now. Refused, the socket ends with 4403; allowed,
        it carries on with its new viewer and topics, from a fresh snapshot (unless neither
        changed and ``resend`` is off)."""
        hub = self.hub
        if hub is None or self._closing:
            return
        old_topics, old_viewer = self.topics, self.viewer
        try:
            await database_sync_to_async(self._enter_again)()
        except REFUSALS:
            await self._stop(CloseCode.FORBIDDEN, "forbidden")
            stats.counters["access_revoked"] += 1
            return
        if self.hub is None:  # it closed meanwhile
            return
        if self.topics == old_topics and self.viewer == old_viewer and not resend:
            return
        await hub.retopic(self, old_topics)
        await self.send_snapshot()

    def _enter_again(self) -> None:
        self.enter(self.acting_user())  # an inactive account: PermissionDenied, a refusal

    async def refuse(self, code: CloseCode, state: str) -> None:
        """Accept, then end (refusing the handshake instead would look like a network error,
        which htmx retries for ever)."""
        await self.accept()
        await self.end(code, state)
        stats.counters[f"refused_{int(code)}"] += 1

    async def end(self, code: CloseCode, state: str) -> None:
        """Close for good with ``code``: the connection indicator says why (``state``), and
        where the client would reconnect anyway (htmx 4.0 beta retries every code), the
        page's socket element is replaced by a notice so that it stops."""
        language = self.viewer_language()
        text = await database_sync_to_async(render_status)(language, state, announce=True)
        if htmx.reconnects_after(code):
            text += await database_sync_to_async(render)(
                "live/ended.html", {"state": state}, language=language
            )
        await self.send(text_data=text)
        await self.close(code=code)

    async def close(self, code: int | bool | None = None, reason: str | None = None) -> None:
        """Close with ``code``, sent as a plain int: daphne (autobahn) raises for an IntEnum
        such as CloseCode, even 4401. daphne also sends only 1000 and 3000-4999 and raises for
        the standard codes (1009, 1011, 1012, 1013; uvicorn sends them): one htmx does not
        retry then becomes 1000, which htmx does not retry either; for one it retries the
        error reaches the caller, as nothing daphne may send makes htmx reconnect."""
        if isinstance(code, int) and not isinstance(code, bool):
            code = int(code)
        try:
            await super().close(code=code, reason=reason)
        except Exception:
            refused = isinstance(code, int) and code != 1000 and not 3000 <= code <= 4999
            if not refused or code in htmx.HTMX2_RETRIES:
                raise
            await super().close(code=1000)
        self._give_back_place()  # closed: its place is free, whether or not a disconnect follows

    def _give_back_place(self) -> None:
        """This socket no longer counts against its user's and address's caps (on close,
        or on disconnect if the peer went first)."""
        if self._counted:
            self._counted = False
            caps.give_back(self.scope["user"].pk, caps.address_of(self.scope))

    async def disconnect(self, code: int) -> None:
        self._give_back_place()
        if self.hub is not None:
            hub, self.hub = self.hub, None
            hub.leave(self, self.topics)
        self._enter_state(State.CLOSED)

    # --- snapshot and delivery ------------------------------------------------------------

    async def send_snapshot(self) -> None:
        """Send every live region as it is now, then whatever arrived meanwhile and is newer."""
        if self.state is State.SNAPSHOTTING:
            self._snapshot_again = True
            return
        if not self._enter_state(State.SNAPSHOTTING):
            return  # given up on, or closed
        outbox = self.outbox
        outbox.hold()
        try:
            while True:
                self._snapshot_again = outbox.overflowed = False
                html, seqs = await database_sync_to_async(self._render_snapshot)()
                # Never wait for the peer here: the hub re-syncs a topic's pages one after the
                # other, and one page that stopped reading would hold up all the rest.
                outbox.write(html)
                self.snapshot_seqs = seqs
                if self.hub is not None:
                    self.hub.snapshot_taken(seqs)
                for topic, seq, text in outbox.parked():
                    if self._snapshot_again:
                        break
                    if self._is_new(topic, seq):
                        outbox.write(text)
                if not (self._snapshot_again or outbox.overflowed) or self.state is not State.SNAPSHOTTING:
                    break
        finally:
            outbox.release()
            self._enter_state(State.LIVE)  # unless given up on or closed meanwhile
        stats.counters["snapshots"] += 1

    def _render_snapshot(self) -> tuple[str, dict[str, int]]:
        html, seqs = self.page_state()
        return render_status(self.viewer.language, announce=True) + html, seqs

    def page_state(self) -> tuple[str, dict[str, int]]:
        """Every live region of the page as it is now, as OOB fragments, and the change number
        each topic was at (sync). The socket's snapshot, and the answer to a poll over HTTP."""
        with translation.override(self.viewer.language), registry.render_pass():
            html, seqs = self.render_snapshot()
            declared, seqs = regions.snapshot_for(self.page, self.topics, self.viewer, seqs)
        return html + declared, seqs

    async def resync(self) -> None:
        """Called by the hub when this page may have missed events."""
        if self.hub is not None and not self._closing:
            await self.send_snapshot()

    def deliver(self, topic: str | None, seq: int | None, text: str | Outgoing) -> None:
        """Called by the hub with a finished frame for this socket; returns at once."""
        state = self.state
        if state is State.LIVE:
            if self._is_new(topic, seq):
                self.outbox.write(text)
        elif state is State.SNAPSHOTTING:
            self.outbox.park(topic, seq, text)

    def _is_new(self, topic: str | None, seq: int | None) -> bool:
        return seq is None or topic is None or seq > self.snapshot_seqs.get(topic, 0)

    async def _close_slow_reader(self) -> None:
        """Close 1013. uvicorn sends it once the peer reads again; if the peer never does, its
        ping timeout ends the socket first and this close finds it closed."""
        try:
            await self.close(code=CloseCode.TRY_AGAIN_LATER)
        except Exception:
            logger.debug("closing a slow reader failed", exc_info=True)

    def acting_user(self) -> Any:
        """The session's user, re-read from the database (sync): a deactivated account can't
        keep acting through a socket it opened earlier."""
        from django.contrib.auth import get_user_model

        user = get_user_model().objects.filter(pk=self.scope["user"].pk, is_active=True).first()
        if user is None:
            raise PermissionDenied(_("Your account is not active."))
        return user

    # --- inbound frames -------------------------------------------------------------------

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        with translation.override(self.viewer_language()):  # answers and errors in the page's language
            await self._receive(text_data)

    async def _receive(self, text_data: str | None) -> None:
        if self._closing:  # given up on: what it still sends is not read
            return
        if self._limiter is None:
            self._limiter = Limiter(self.viewer.user_id if self.hub is not None else None)
        try:
            inbound = protocol.parse(text_data, max_bytes=settings.LIVE["MAX_FRAME_BYTES"])
        except FrameTooBig:
            stats.counters["frames_too_big"] += 1
            await self.end(CloseCode.TOO_BIG, "stopped")
            return
        except FrameError as exc:
            stats.counters["frames_rejected"] += 1
            if await self._allowed(signal=False):  # refused frames cost an answer too
                await self.send_error(str(exc))
            return
        signal = inbound.action in self.signals
        if not await self._allowed(signal=signal):
            if signal:  # kept, and handled once the budget allows (live/ratelimit.py)
                self._defer(inbound)
            return
        started = time.monotonic()
        await self._handle(inbound)
        self._limiter.handled(time.monotonic() - started)  # what queued meanwhile is not a burst

    async def _handle(self, inbound: Inbound) -> None:
        if self.hub is not None and self.presence_topics:
            await self.hub.here.touch(self)
        handler = self.actions.get(inbound.action)
        if handler is None:
            stats.counters["frames_rejected"] += 1
            await self.send_error(_("Unknown action %(action)r.") % {"action": inbound.action[:40]})
            return
        await getattr(self, handler)(inbound)

    async def _allowed(self, *, signal: bool) -> bool:
        """Take a token from the frame's budget. Past it: a strike, then "slow down" for an
        action (silence for a signal), or the end (4429) for a socket that keeps flooding."""
        assert self._limiter is not None
        if self._limiter.allow(signal=signal):
            return True
        stats.counters["frames_rate_limited"] += 1
        if self._limiter.strike():
            await self.end(CloseCode.TOO_MANY, "stopped")
            self._enter_state(State.GIVEN_UP)  # nothing more for it, nothing more from it
        elif not signal:
            await self.send_error(_("Too many messages; slow down."))
        return False

    def _defer(self, inbound: Inbound) -> None:
        """Keep the latest signal of its kind, to be handled when the signal budget allows."""
        if self._closing:
            return
        if self._deferred is None:
            self._deferred = {}
            assert self._limiter is not None
            delay = self._limiter.signals.wait()
            asyncio.get_running_loop().call_later(
                delay, lambda: asyncio.ensure_future(self._flush_deferred())
            )
        self._deferred[inbound.action] = inbound

    async def _flush_deferred(self) -> None:
        deferred, self._deferred = self._deferred or {}, None
        if self.hub is None or self._closing:
            return
        for inbound in deferred.values():
            await self._handle(inbound)

    async def send_error(self, message: str) -> None:
        """Show ``message`` in the page's error banner (this socket only)."""
        html = await database_sync_to_async(render)(
            "live/error.html", {"message": message, "oob": True}, language=self.viewer_language()
        )
        await self.send(text_data=html)

    def viewer_language(self) -> str:
        """The page's language (the handshake's, before the viewer is known)."""
        viewer = getattr(self, "viewer", None)
        return viewer.language if viewer else self.scope.get("language") or settings.LANGUAGE_CODE
