"""Regions re-rendered whole, and streams that grow one item at a time."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Model
from django.db.models.signals import post_delete, post_save
from django.utils.safestring import SafeString

from live.fragments import oob_into
from live.publish import publish
from live.regions.base import _Live
from live.registry import Frame, once, render


@dataclass(frozen=True, kw_only=True)
class Region(_Live):
    """A part of a page re-rendered whole whenever something it shows changes."""

    template: str
    refresh_on: tuple[str, ...]
    context: Callable[..., dict[str, Any]]
    models: tuple[type[Model], ...] = ()
    keys_of: Callable[[Any], dict[str, Any]] | None = None

    def register(self) -> Region:
        """Make the region live: its renderer for events, its snapshots, its model signals."""
        if self.models and self.keys_of is None:
            raise ValueError(f"{self.dom_id}: models need keys_of(instance) -> the topic's keys")
        self._declare((*self.refresh_on, self.own_event))
        for model in self.models:
            post_save.connect(self._model_changed, sender=model, weak=False)
            post_delete.connect(self._model_changed, sender=model, weak=False)
        return self

    def unregister(self) -> None:
        super().unregister()
        for model in self.models:
            post_save.disconnect(self._model_changed, sender=model)
            post_delete.disconnect(self._model_changed, sender=model)

    def render(self, *, oob: bool, **keys: Any) -> SafeString:
        """The region for ``keys`` as it is now (``oob``: as an out-of-band swap)."""
        context = {**self.context(**keys), "region_id": self.dom_id.format(**keys), "oob": oob}
        return render(self.template, context)

    def snapshot(self, keys: dict[str, Any]) -> tuple[SafeString, int | None]:
        """The region for a (re)connecting socket, and the change number it shows (if any)."""
        if self.version is None:
            return self.render(oob=True, **keys), None
        version = self.version(**keys)
        return self._cached(keys, version, lambda: self.render(oob=True, **keys)), version

    def _on_event(self, event: dict[str, Any], pages: frozenset[str]) -> dict[str, Frame]:
        keys = self._event_keys(event)
        if keys is None or not any(self.shows_on(page) for page in pages):
            return {}
        return self._to_pages(self.render(oob=True, **keys), keys, pages)

    @property
    def own_event(self) -> str:
        return f"region.{self.dom_id}"

    def refresh(self, **keys: Any) -> None:
        """Re-render the region for ``keys`` on every page that shows it, once the current
        transaction commits: for changes no signal tells of (``QuerySet.update()``,
        ``bulk_create()``, raw SQL)."""
        topic = self.topic.format(**keys)
        transaction.on_commit(lambda: publish(topic, {"kind": self.own_event, **keys}))

    def _model_changed(self, sender: type[Model], instance: Any, **kwargs: Any) -> None:
        self.refresh(**(self.keys_of(instance) if self.keys_of else {}))


@dataclass(frozen=True, kw_only=True)
class Stream(_Live):
    """A list that grows one item at a time (chat messages, activity lines, comments): the page
    and every snapshot render it whole, and an event that names a new item inserts just that
    item, on top (``at="afterbegin"``) or at the bottom (``"beforeend"``).

    Its items carry the change number of their topic, like the events that add them: the
    snapshot holds the items up to the number the socket's events start after, so no item is
    shown twice or missed. A list whose items change or go away is a
    :class:`Region` instead.
    """

    template: str  # the whole list: gets region_id, oob, the rendered items, and context()
    context: Callable[..., dict[str, Any]]  # context(upto, **keys): "items" (in page order), and more
    item: Callable[[Any], SafeString]  # one item, rendered (the app may keep them)
    item_key: str  # the event field with the new item's primary key
    read_item: Callable[[int], Any]  # that item from the database (None: gone by now)
    insert_on: tuple[str, ...]
    at: str = "afterbegin"

    def register(self) -> Stream:
        """Make the stream live: its renderer for events and its snapshots."""
        if self.version is None:
            raise ValueError(f"{self.dom_id}: a stream needs version (its topic's change number)")
        if self.at not in ("afterbegin", "beforeend"):
            raise ValueError(f"{self.dom_id}: at is afterbegin or beforeend, not {self.at!r}")
        self._declare(self.insert_on)
        return self

    def render(self, *, oob: bool, upto: int | None = None, **keys: Any) -> SafeString:
        """The list for ``keys``, up to change number ``upto`` (None: as it is now)."""
        context = self.context(upto=upto, **keys)
        items = [self.item(each) for each in context["items"]]
        context = {**context, "items": items, "region_id": self.dom_id.format(**keys), "oob": oob}
        return render(self.template, context)

    def snapshot(self, keys: dict[str, Any], upto: int | None = None) -> tuple[SafeString, int]:
        """The list for a (re)connecting socket, up to ``upto`` (the change number the page's
        other regions show, else the topic's own), and that number."""
        if upto is None:
            upto = self.version(**keys)  # type: ignore[misc]
        return self._cached(keys, upto, lambda: self.render(oob=True, upto=upto, **keys)), upto

    def _on_event(self, event: dict[str, Any], pages: frozenset[str]) -> dict[str, Frame]:
        keys = self._event_keys(event)
        pk = event.get(self.item_key)
        if keys is None or not pk or not any(self.shows_on(page) for page in pages):
            return {}
        new = once((self.read_item, pk), lambda: self.read_item(pk))  # shared with any same read
        if new is None:
            return {}
        return self._to_pages(oob_into(self.dom_id.format(**keys), self.at, self.item(new)), keys, pages)
