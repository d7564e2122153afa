"""Declared live regions: say what a part of a page shows and when it changes; the engine
renders it into the page, into every snapshot, and again for every event that changes it.

A region is one partial, re-rendered whole. Declaring one takes a few lines::

    Region(
        dom_id="board-{board}-due",              # its element's id, from the topic's keys
        template="tasks/partials/due_soon.html",  # gets region_id, oob and the context below
        topic="board.{board}",                   # whose sockets see it (their page's authorize()
                                                 # already decided who may join the topic)
        refresh_on=("task.changed", "task.deleted"),
        context=lambda board: {"tasks": due_soon(board)},
        pages=("board",),                        # the pages that show it (None: every page)
    ).register()

and putting ``{% live_region "board-{board}-due" board=board.pk %}`` where the page shows it.
What comes for free:

- **snapshots**: every socket of a listed page gets the region in its (re)connect snapshot,
  for each of its topics that matches ``topic``;
- **events**: an event of a ``refresh_on`` kind on a matching topic re-renders the region once
  per language present (never once per socket) and replaces it on every such page;
- **changes of your own models**: ``models=(Comment,)`` with ``keys_of=lambda comment:
  {"board": comment.task.board_id}`` publishes a ``region.<dom_id>`` event after every
  commit that saved or deleted one, for models that publish no events of their own;
- **who sees it**: only sockets on the topic; ``visible_to(viewer, **keys)`` narrows it further
  (the region is rendered once, and sent only to those it returns True for);
- **overriding**: the partial is found by Django's template loaders, so a project's own
  ``templates/`` folder overrides it, pushes included;
- **cheap handshakes**: with ``version`` (a change number read in one query, like the board's
  ``seq``), the snapshot render is kept per version and language and shared by every socket.

The template must give its root element ``id="{{ region_id }}"`` and
``{% if oob %} hx-swap-oob="true"{% endif %}``.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Model
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from live.cache import LRU
from live.publish import publish
from live.registry import Variants, Viewer, add_renderer, remove_renderer, render

_declared: dict[str, Region] = {}
_snapshots: LRU[SafeString] = LRU("regions", 5000)


@dataclass(frozen=True)
class Region:
    dom_id: str
    template: str
    topic: str
    refresh_on: tuple[str, ...]
    context: Callable[..., dict[str, Any]]
    pages: tuple[str, ...] | None = None
    visible_to: Callable[..., bool] | None = None
    version: Callable[..., int] | None = None
    models: tuple[type[Model], ...] = ()
    keys_of: Callable[[Any], dict[str, Any]] | None = None

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(name for _, name, _, _ in string.Formatter().parse(self.topic) if name)

    def register(self) -> Region:
        """Make the region live: its renderer for events, its snapshots, its model signals."""
        if self.dom_id in _declared:
            raise ValueError(f"a live region with the id {self.dom_id!r} is declared twice")
        _declared[self.dom_id] = self
        kinds = (*self.refresh_on, *([self.own_event] if self.models else []))
        add_renderer(kinds, self._on_event)
        for model in self.models:
            if self.keys_of is None:
                raise ValueError(f"{self.dom_id}: models need keys_of(instance) -> the topic's keys")
            post_save.connect(self._model_changed, sender=model, weak=False)
            post_delete.connect(self._model_changed, sender=model, weak=False)
        return self

    def unregister(self) -> None:
        """Undo :meth:`register` (for tests)."""
        _declared.pop(self.dom_id, None)
        remove_renderer(self._on_event)
        for model in self.models:
            post_save.disconnect(self._model_changed, sender=model)
            post_delete.disconnect(self._model_changed, sender=model)

    # --- rendering ----------------------------------------------------------------------

    def render(self, *, oob: bool, **keys: Any) -> SafeString:
        """The region for ``keys`` as it is now (``oob``: as an out-of-band swap)."""
        context = {**self.context(**keys), "region_id": self.dom_id.format(**keys), "oob": oob}
        return render(self.template, context)

    def snapshot(self, keys: dict[str, Any]) -> tuple[SafeString, int | None]:
        """The region for a (re)connecting socket, and the change number it shows (if any)."""
        if self.version is None:
            return self.render(oob=True, **keys), None
        version = self.version(**keys)
        cache_key = (self.dom_id, tuple(sorted(keys.items())), version, timezone.localdate(), get_language())
        return _snapshots.get_or_make(cache_key, lambda: self.render(oob=True, **keys)), version

    def shows_on(self, page: str) -> bool:
        return self.pages is None or page in self.pages

    def keys_from_topic(self, topic: str) -> dict[str, Any] | None:
        """The keys a topic names, if it is one of this region's (``board.3`` -> board=3)."""
        match = self._pattern.fullmatch(topic)
        return {name: int(value) for name, value in match.groupdict().items()} if match else None

    @property
    def _pattern(self) -> re.Pattern[str]:
        pattern = re.escape(self.topic)
        for name in self.keys:
            pattern = pattern.replace(re.escape("{" + name + "}"), f"(?P<{name}>[0-9]+)")
        return re.compile(pattern)

    def _on_event(self, event: dict[str, Any], pages: frozenset[str]) -> dict[str, str | Variants]:
        keys = self.keys_from_topic(event["topic"]) if "topic" in event else None
        if keys is None:
            keys = {name: event[name] for name in self.keys if name in event}
        if len(keys) != len(self.keys):
            return {}
        shown = [page for page in pages if self.shows_on(page)]
        if not shown:
            return {}
        html: str | Variants = self.render(oob=True, **keys)
        if self.visible_to is not None:
            visible_to = self.visible_to
            html = Variants(
                key=lambda viewer: bool(visible_to(viewer, **keys)), frames={True: html, False: ""}
            )
        return dict.fromkeys(shown, html)

    # --- your own models ----------------------------------------------------------------

    @property
    def own_event(self) -> str:
        return f"region.{self.dom_id}"

    def _model_changed(self, sender: type[Model], instance: Any, **kwargs: Any) -> None:
        keys = self.keys_of(instance) if self.keys_of else {}
        topic = self.topic.format(**keys)
        transaction.on_commit(lambda: publish(topic, {"kind": self.own_event, **keys}))


def declared(dom_id: str) -> Region:
    try:
        return _declared[dom_id]
    except KeyError:
        raise LookupError(f"no live region {dom_id!r} is declared") from None


def all_declared() -> list[Region]:
    return list(_declared.values())


def snapshot_for(page: str, topics: Iterable[str], viewer: Viewer) -> tuple[str, dict[str, int]]:
    """Every declared region a socket of ``page`` on ``topics`` shows, and the change number
    each topic was at (for the socket's filter of older events)."""
    parts: list[str] = []
    seqs: dict[str, int] = {}
    for region in _declared.values():
        if not region.shows_on(page):
            continue
        for topic in topics:
            keys = region.keys_from_topic(topic)
            if keys is None or (region.visible_to is not None and not region.visible_to(viewer, **keys)):
                continue
            html, version = region.snapshot(keys)
            parts.append(html)
            if version is not None:
                seqs[topic] = min(version, seqs.get(topic, version))
    return "".join(parts), seqs
