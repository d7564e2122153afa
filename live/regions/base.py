"""What every kind of declared live region shares (live/regions/__init__.py says how to declare one)."""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from live.cache import LRU
from live.registry import Frame, Variants, add_renderer, remove_renderer

_declared: dict[str, _Live] = {}
_snapshots: LRU[SafeString] = LRU("regions", 5000)
_lists: LRU[SafeString] = LRU("collections", 300)  # whole boards: fewer


@dataclass(frozen=True, kw_only=True)
class _Live:
    """What regions and streams share: an id from a topic's keys, the pages that show it and
    who may see it, registered once."""

    dom_id: str
    topic: str
    pages: tuple[str, ...] | None = None
    visible_to: Callable[..., bool] | None = None
    version: Callable[..., int] | None = None

    @cached_property
    def keys(self) -> tuple[str, ...]:
        return tuple(name for _, name, _, _ in string.Formatter().parse(self.topic) if name)

    def _declare(self, kinds: tuple[str, ...]) -> None:
        if self.dom_id in _declared:
            raise ValueError(f"a live region with the id {self.dom_id!r} is declared twice")
        _declared[self.dom_id] = self
        add_renderer(kinds, self._on_event)

    def unregister(self) -> None:
        """Undo ``register()`` (for tests)."""
        _declared.pop(self.dom_id, None)
        remove_renderer(self._on_event)

    def _on_event(self, event: dict[str, Any], pages: frozenset[str]) -> dict[str, Frame]:
        raise NotImplementedError

    def shows_on(self, page: str) -> bool:
        return self.pages is None or page in self.pages

    def keys_from_topic(self, topic: str) -> dict[str, Any] | None:
        """The keys a topic names, if it is one of this region's (``board.3`` -> board=3)."""
        match = self._pattern.fullmatch(topic)
        return {name: int(value) for name, value in match.groupdict().items()} if match else None

    @cached_property  # (asked for every topic of every socket's snapshot)
    def _pattern(self) -> re.Pattern[str]:
        pattern = re.escape(self.topic)
        for name in self.keys:
            pattern = pattern.replace(re.escape("{" + name + "}"), f"(?P<{name}>[0-9]+)")
        return re.compile(pattern)

    def _event_keys(self, event: dict[str, Any]) -> dict[str, Any] | None:
        """The keys of the event's topic, if this region is on it."""
        keys = self.keys_from_topic(event["topic"]) if "topic" in event else None
        if keys is None:
            keys = {name: event[name] for name in self.keys if name in event}
        return keys if len(keys) == len(self.keys) else None

    def _to_pages(self, html: str, keys: dict[str, Any], pages: frozenset[str]) -> dict[str, Frame]:
        """``html`` for every page present that shows this, narrowed to ``visible_to``."""
        shown = [page for page in pages if self.shows_on(page)]
        frame: str | Variants = html
        if shown and self.visible_to is not None:
            visible_to = self.visible_to
            frame = Variants(
                key=lambda viewer: bool(visible_to(viewer, **keys)), frames={True: html, False: ""}
            )
        return dict.fromkeys(shown, frame)

    def _cached(self, keys: dict[str, Any], number: int, make: Callable[[], SafeString]) -> SafeString:
        key = (self.dom_id, tuple(sorted(keys.items())), number, timezone.localdate(), get_language())
        return _snapshots.get_or_make(key, make)
