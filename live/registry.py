"""Which function renders which event kind, and the shapes they return.

An app registers a renderer for its event kinds (``@renders("task.changed")``). The hub
calls it in a worker thread, once per event per process, with the set of page names that
have sockets on the topic. It returns, per page, either one frame for everybody or
:class:`Variants` when the page differs by audience (a manager sees a delete button).
A frame is the text of one WebSocket message: top-level elements with ids and explicit
``hx-swap-oob`` attributes.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation

from live import stats

RESET = "topic.reset"  # an event kind that means "re-send every page on this topic a snapshot"

Renderer = Callable[[dict[str, Any], frozenset[str]], dict[str, "str | Variants"]]
_renderers: dict[str, Renderer] = {}


@dataclass(frozen=True, slots=True, weakref_slot=True)
class Viewer:
    """Who is looking, reduced to what renders differ by. Computed once per socket."""

    user_id: int
    is_superuser: bool = False
    member_of: frozenset[int] = field(default_factory=frozenset)  # boards with a membership row
    managed_boards: frozenset[int] = field(default_factory=frozenset)
    language: str = "en"

    def manages(self, board_id: int) -> bool:
        return self.is_superuser or board_id in self.managed_boards

    def speaking(self, language: str) -> Viewer:
        """The same viewer in ``language`` (languages are audiences, like roles)."""
        if language == self.language:
            return self
        return Viewer.shared(
            user_id=self.user_id,
            is_superuser=self.is_superuser,
            member_of=self.member_of,
            managed_boards=self.managed_boards,
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
    def register(func: Renderer) -> Renderer:
        for kind in kinds:
            _renderers[kind] = func
        return func

    return register


def renderer_for(kind: str) -> Renderer:
    try:
        return _renderers[kind]
    except KeyError:
        raise LookupError(f"no live renderer registered for event kind {kind!r}") from None


def render(template: str, context: dict[str, Any], *, language: str | None = None) -> str:
    """Render one fragment without a request (fragments never depend on who asked) and count it."""
    stats.counters["renders"] += 1
    if language is None:
        return render_to_string(template, context)
    with translation.override(language):
        return render_to_string(template, context)


_statuses: dict[tuple[str, str, bool], str] = {}


def render_status(language: str, state: str = "live", *, announce: bool = False) -> str:
    """The connection indicator as an OOB fragment (the same for everyone: rendered once);
    with ``announce``, also what screen readers say about it (not on heartbeats)."""
    key = (language, state, announce)
    if key not in _statuses:
        html = render("live/status.html", {"state": state, "oob": True}, language=language)
        if announce:
            html += render("live/announce.html", {"state": state}, language=language)
        _statuses[key] = html
    return _statuses[key]
