"""What the hub talks to: its sockets, and the parts that do everything beyond the core.

The hub's core (live/hub.py) subscribes to topics, puts events in order, renders them and
delivers the frames. Everything else is a :class:`Part`: it names the event kinds it takes
(``kinds``: kind -> method), registers its periodic work on the hub's schedule
(``scheduled()``), hears sockets come and go (``joined()``, ``left()``) and adds its figures
to the ops page (``figures()``). The parts of a hub are listed once, in ``Hub.PARTS``.

A socket, to the hub, is anything with the attributes and methods of :class:`Socket`
(``LiveConsumer`` in live/consumers.py is the one used), so the engine's core does not
import the consumer, and a test may hand it a stand-in.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

if TYPE_CHECKING:
    from live.ops import Reporter
    from live.ordering import TopicOrder
    from live.registry import Viewer
    from live.schedule import Schedule
    from live.wire import Outgoing


class Socket(Protocol):
    """One open page's socket, as the hub and its parts see it."""

    page: str  # the page's name: one render per page kind and audience
    viewer: Viewer
    topics: tuple[str, ...]
    presence_topics: tuple[str, ...]  # where it counts as "here"
    shows_typing: bool
    snapshot_seqs: dict[str, int]  # each topic's change number in its last snapshot
    touched_at: float
    rotate_at: float

    @property
    def ready(self) -> bool:
        """Live: its snapshot sent, frames delivered as they come."""
        ...

    @property
    def session_key(self) -> str | None: ...

    def deliver(self, topic: str | None, seq: int | None, text: str | Outgoing) -> None:
        """Take a finished frame (returns at once)."""
        ...

    async def resync(self) -> None:
        """Send a fresh snapshot."""
        ...

    async def reauthorize(self, *, resend: bool = True) -> None:
        """Authorize again: end with 4403, or carry on (re-sent unless nothing changed)."""
        ...

    async def sign_out(self) -> None:
        """End with 4401: its session is over."""
        ...

    async def close(self, code: int | bool | None = None, reason: str | None = None) -> None: ...


Handler = Callable[[str, dict[str, Any]], Awaitable[None]]


class HubCore(Protocol):
    """What a part may use of its hub (live/hub.py): the whole interface between the two."""

    layer: Any  # the channel layer
    channel: str  # the hub's own channel on it
    sockets: dict[str, dict[str, set[Socket]]]  # topic -> page -> local sockets
    orders: dict[str, TopicOrder]  # topic -> its events in change-number order
    reporter: Reporter

    @property
    def recovering(self) -> bool:
        """Is the layer being recovered (pages say "reconnecting")?"""
        ...

    def local_sockets(self, topic: str | None = None) -> list[Socket]: ...

    def figures(self) -> dict[str, Any]: ...

    async def resync(self, topic: str, *, recheck: bool = False) -> None: ...

    async def refresh_groups(self) -> None: ...

    async def restart_listening(self) -> None: ...

    def forget_order(self) -> None: ...

    async def show_status(self, state: str, *, announce: bool) -> int:
        """Put every ready page's connection indicator in ``state``; how many pages."""
        ...

    async def check_sessions(self, sockets: list[Socket]) -> None:
        """Sign out the sockets whose session has ended."""
        ...


class Part:
    """A piece of the hub's work beyond the core (see the module docstring)."""

    kinds: ClassVar[dict[str, str]] = {}  # event kind -> name of the method that takes it

    def __init__(self, hub: HubCore) -> None:
        self.hub = hub

    def handlers(self) -> dict[str, Handler]:
        """Each event kind this part takes, with its bound method ``(topic, message)``."""
        return {kind: getattr(self, name) for kind, name in self.kinds.items()}

    def scheduled(self, schedule: Schedule) -> None:
        """Register this part's periodic work."""

    def joined(self, sock: Socket) -> None:
        """``sock`` was added to the hub (before its snapshot)."""

    def left(self, sock: Socket) -> None:
        """``sock`` left the hub."""

    def forget(self, topic: str) -> None:
        """Nobody in this process watches ``topic`` any more."""

    def figures(self) -> dict[str, Any]:
        """What this part adds to the hub's figures (the ops page)."""
        return {}
