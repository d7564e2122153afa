"""Which function renders which event kind, and the shapes they return.

An app registers a renderer for its event kinds (``@renders("task.changed")``). The hub
calls it in a worker thread, once per event per process, with the set of page names that
have sockets on the topic. It returns, per page, either one frame for everybody or
:class:`Variants` when the page differs by audience (a manager sees a delete button).
A frame is the text of one WebSocket message: top-level elements with ids and explicit
``hx-swap-oob`` attributes.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import SafeString

from live import stats

T = TypeVar("T")
RESET = "topic.reset"  # an event kind that means "re-send every page on this topic a snapshot"

# What a renderer returns for one event: page name -> one frame for everybody, or variants
Renderer = Callable[[dict[str, Any], frozenset[str]], dict[str, "Frame"]]
_renderers: dict[str, list[Renderer]] = {}


@dataclass(frozen=True, slots=True, weakref_slot=True)
class Viewer:
    """Who is looking, reduced to what renders differ by. Computed once per socket.

    ``audience`` is whatever else the app's renders differ by, as the app defines it (any
    hashable value; the task board's is the user's boards and roles, tasks/permissions.py):
    the engine only compares it."""

    user_id: int
    is_superuser: bool = False
    audience: Hashable = None
    language: str = "en"

    def speaking(self, language: str) -> Viewer:
        """The same viewer in ``language`` (languages are audiences, like roles)."""
        if language == self.language:
            return self
        return Viewer.shared(
            user_id=self.user_id,
            is_superuser=self.is_superuser,
            audience=self.audience,
            language=language,
        )

    @classmethod
    def shared(cls, **fields: Any) -> Viewer:
        """An equal Viewer if one is alive already (a user's tabs share one), else a new one."""
        viewer = cls(**fields)
        return _viewers.setdefault(viewer, viewer)


_viewers: weakref.WeakValueDictionary[Viewer, Viewer] = weakref.WeakValueDictionary()


@dataclass(slots=True)
class Variants:
    """One event's frame in several audience variants; ``key(viewer)`` picks one."""

    key: Callable[[Viewer], Hashable]
    frames: dict[Hashable, str]

    def pick(self, viewer: Viewer) -> str | None:
        return self.frames.get(self.key(viewer))


def renders(*kinds: str) -> Callable[[Renderer], Renderer]:
    """Register the decorated function as a renderer of events of ``kinds``."""

    def register(func: Renderer) -> Renderer:
        add_renderer(kinds, func)
        return func

    return register


def add_renderer(kinds: tuple[str, ...] | list[str], func: Renderer) -> None:
    """Several renderers may share a kind (an app's own, declared regions): each adds its
    frames to the pages it renders for."""
    for kind in kinds:
        _renderers.setdefault(kind, []).append(func)


def remove_renderer(func: Renderer) -> None:
    for funcs in _renderers.values():
        while func in funcs:
            funcs.remove(func)


@dataclass(slots=True)
class Parts:
    """Frames of several renderers for one page, joined per viewer."""

    parts: list[Frame]

    def pick(self, viewer: Viewer) -> str:
        return "".join(part if isinstance(part, str) else part.pick(viewer) or "" for part in self.parts)


Frame = str | Variants | Parts  # one page's part of an event: the same for all, or picked per viewer


def renderer_for(kind: str) -> Renderer:
    """One renderer for ``kind``: the only one, or all of them joined page by page."""
    try:
        found = _renderers[kind]
    except KeyError:
        raise LookupError(f"no live renderer registered for event kind {kind!r}") from None
    if len(found) == 1:
        return found[0]

    def joined(event: dict[str, Any], pages: frozenset[str]) -> dict[str, Frame]:
        frames: dict[str, list[Frame]] = {}
        for func in found:
            for page, frame in func(event, pages).items():
                frames.setdefault(page, []).append(frame)
        return {page: _join(parts) for page, parts in frames.items()}

    return joined


def _join(parts: list[Frame]) -> Frame:
    """Several renderers' frames for one page: one text if none differs by viewer."""
    texts = [part for part in parts if isinstance(part, str)]
    return "".join(texts) if len(texts) == len(parts) else Parts(parts)


_pass = threading.local()


@contextmanager
def render_pass(viewers: dict[str, frozenset[Viewer]] | None = None) -> Iterator[None]:
    """Renders of one event (or one snapshot): what :func:`once` reads is shared inside it,
    and :func:`viewers_of` tells who looks at each page (the hub's local sockets)."""
    _pass.memo, _pass.viewers = {}, viewers or {}
    try:
        yield
    finally:
        _pass.memo = _pass.viewers = None


def viewers_of(page: str) -> frozenset[Viewer]:
    """The distinct viewers of ``page`` this event is rendered for: for a renderer whose
    variants are too many to render ahead, so that it renders those present (once each)."""
    return (getattr(_pass, "viewers", None) or {}).get(page, frozenset())


def once(key: Hashable, read: Callable[[], T]) -> T:
    """``read()``, done once per render pass (two counters of one board: one count query)."""
    memo = getattr(_pass, "memo", None)
    if memo is None:
        return read()
    if key not in memo:
        memo[key] = read()
    return memo[key]


def render(template: str, context: dict[str, Any], *, language: str | None = None) -> SafeString:
    """Render one fragment without a request (fragments never depend on who asked) and count it."""
    stats.counters["renders"] += 1
    if language is None:
        return render_to_string(template, context)
    with translation.override(language):
        return render_to_string(template, context)


_statuses: dict[tuple[str, str, bool], str] = {}


# The page's alert region, emptied (templates/base.html); first in a frame, since the indicator
# must come last (live/poll.py).
CLEARED_ERROR = '<div id="live-error" hx-swap-oob="true" class="hidden"></div>'


def render_status(language: str, state: str = "live", *, announce: bool = False) -> str:
    """The connection indicator as an OOB fragment (the same for everyone: rendered once);
    with ``announce``, also what screen readers say about it (not on heartbeats)."""
    key = (language, state, announce)
    if key not in _statuses:
        html: str = render("live/status.html", {"state": state, "oob": True}, language=language)
        if announce:
            html += render("live/announce.html", {"state": state}, language=language)
            if state in ("live", "polling"):  # the server answers again: "could not be reached" goes
                html = CLEARED_ERROR + html
        _statuses[key] = html
    return _statuses[key]
