"""Regions whose state the hubs keep, not a model: who is here, who is typing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.safestring import SafeString

from live import presence, typing
from live.regions.base import _Live
from live.registry import Frame, render


@dataclass(frozen=True, kw_only=True)
class _KeptByHubs(_Live):
    """A region whose state the hubs keep, not a model: declared by its topic and pages only;
    its id follows from the topic, and the page shows a placeholder until the hub's first
    frame."""

    dom_id: str = ""  # from the topic: _id_for(topic)
    template: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "dom_id", self._id_for(self.topic))

    @staticmethod
    def _id_for(topic: str) -> str:
        raise NotImplementedError

    def register(self) -> _KeptByHubs:
        self._declare(())
        return self

    def render(self, *, oob: bool, **keys: Any) -> SafeString:
        return render(self.template, {"id": self.dom_id.format(**keys), "names": None, "oob": oob})

    def _on_event(self, event: dict[str, Any], pages: frozenset[str]) -> dict[str, Frame]:
        return {}  # the hubs send it (live/hub.py)


@dataclass(frozen=True, kw_only=True)
class Presence(_KeptByHubs):
    """Who is here on a topic: every socket of ``pages`` on it counts as here, and gets the
    list as it changes (live/presence.py: several tabs, several processes, processes that
    die). The page puts ``{% live_region "presence-board-{board}" board=... %}`` where it
    shows it."""

    template: str = "live/presence_placeholder.html"
    _id_for = staticmethod(presence.region_id)


@dataclass(frozen=True, kw_only=True)
class Typing(_KeptByHubs):
    """Who is typing on a topic (live/typing.py): the pages whose sockets send ``typing``
    signals and show ``{% live_region "typing-room-{room}" room=... %}``."""

    template: str = "live/typing.html"
    _id_for = staticmethod(typing.region_id)
