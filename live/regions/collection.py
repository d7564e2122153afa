"""Collections: items that change, move between lists and go away."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from live.fragments import oob_delete, oob_into
from live.regions.base import _lists, _Live
from live.registry import Frame, Parts, Variants, Viewer, once, render, viewers_of


@dataclass(frozen=True, kw_only=True)
class Collection(_Live):
    """Items that change, move between lists and go away: a board's Open and Done columns, a
    kanban's lanes. ``dom_id`` names one list by the ``{list}`` key; each item is rendered on
    its own, and may look different to different viewers (``variant``, one of ``variants``: may
    they delete it?).

    An event that names an item (``item_key``) takes its element off the page if the event
    says it was on one (``was``: the list it was in) and puts it on top of the list it now
    belongs to (``place``); an item that is gone (``read_item`` gives None) is only taken off.
    A list that shows only its latest items (``limits``) is sent whole, as it stood at the
    event (``list_upto``), when an item left it while it was full: the one that comes into
    view is on no page yet.

    ``state(**keys)`` reads every list at one change number and returns them with it; pages,
    snapshots and the numbers that filter events all come from it. Snapshots are kept per
    number and per how the viewer sees each item.
    """

    lists: tuple[str, ...]
    template: str  # one list: gets region_id, list (its name), items (rendered), oob, the keys
    state: Callable[..., tuple[dict[str, list[Any]], int]]  # state(**keys) -> lists, change number
    item: Callable[[Any, Hashable], SafeString]  # item(obj, variant): one item's html
    item_id: Callable[[int], str]  # an item's element id, from its primary key
    item_key: str  # the event field with the item's primary key
    read_item: Callable[..., Any]  # read_item(pk, **keys): the item now (None: gone from here)
    place: Callable[[Any], str]  # the list an item belongs in now
    change_on: tuple[str, ...]
    variant: Callable[..., Hashable] = lambda viewer, item, **keys: None  # variant(viewer, item, **keys)
    variants: tuple[Hashable, ...] = (None,)  # every value variant() gives: each event renders each
    limits: dict[str, int] = field(default_factory=dict)  # list -> how many items it shows
    list_upto: Callable[..., list[Any]] | None = None  # list_upto(list, upto, **keys), for limits

    def register(self) -> Collection:
        """Make the lists live: the renderer for item events, and the snapshots."""
        if "{list}" not in self.dom_id:
            raise ValueError(f"{self.dom_id}: a collection's dom_id names its lists with {{list}}")
        if self.limits and self.list_upto is None:
            raise ValueError(f"{self.dom_id}: limited lists need list_upto(list, upto, **keys)")
        self._declare(self.change_on)
        return self

    def render_lists(
        self, *, viewer: Viewer, oob: bool, lists: dict[str, list[Any]] | None = None, **keys: Any
    ) -> dict[str, SafeString]:
        """Each list as ``viewer`` sees it, from ``lists`` if read already, else as it is now."""
        if lists is None:
            lists, _number = self.state(**keys)
        return {name: self._list(name, lists[name], viewer, oob, keys) for name in self.lists}

    def _list(
        self, name: str, items: list[Any], viewer: Viewer, oob: bool, keys: dict[str, Any]
    ) -> SafeString:
        rendered = [self.item(each, self.variant(viewer, each, **keys)) for each in items]
        region_id = self.dom_id.format(list=name, **keys)
        return render(
            self.template, {**keys, "region_id": region_id, "list": name, "items": rendered, "oob": oob}
        )

    def snapshot(self, keys: dict[str, Any], viewer: Viewer) -> tuple[SafeString, int]:
        """Every list for a (re)connecting socket, and the change number they show."""
        lists, number = self.state(**keys)
        seen_as = tuple(self.variant(viewer, each, **keys) for name in self.lists for each in lists[name])
        key = (
            self.dom_id,
            tuple(sorted(keys.items())),
            number,
            seen_as,
            timezone.localdate(),
            get_language(),
        )
        html = _lists.get_or_make(
            key,
            lambda: SafeString(
                "".join(self.render_lists(viewer=viewer, oob=True, lists=lists, **keys).values())
            ),
        )
        return html, number

    def _on_event(self, event: dict[str, Any], pages: frozenset[str]) -> dict[str, Frame]:
        keys = self._event_keys(event)
        pk = event.get(self.item_key)
        shown = [page for page in pages if self.shows_on(page)]
        if keys is None or not pk or not shown:
            return {}
        item = once((self.read_item, pk), lambda: self.read_item(pk, **keys))
        was = event.get("was")
        off = oob_delete(self.item_id(pk)) if was is not None else ""  # on no page yet: nothing to take off
        frame: str | Variants = off
        if item is not None:
            target = self.dom_id.format(list=self.place(item), **keys)

            def seen_as(viewer: Viewer) -> Hashable:
                return self.variant(viewer, item, **keys)

            frame = Variants(
                key=seen_as,
                frames={
                    variant: off + oob_into(target, "afterbegin", self.item(item, variant))
                    for variant in self.variants
                },
            )
        if was in self.limits and (item is None or self.place(item) != was):
            refill = self._refill(was, event["seq"], keys, shown)
            if refill is not None:
                return dict.fromkeys(shown, Parts([frame, refill]))
        return dict.fromkeys(shown, frame)

    def _refill(self, name: str, upto: int, keys: dict[str, Any], pages: list[str]) -> Variants | None:
        """The limited list ``name`` as it stood at change number ``upto``, once per way of
        seeing it among the viewers present, if it is full (else the page holds it all)."""
        items = self.list_upto(name, upto, **keys)  # type: ignore[misc]
        if len(items) < self.limits[name]:
            return None

        def seen_as(viewer: Viewer) -> Hashable:
            return tuple(self.variant(viewer, each, **keys) for each in items)

        frames: dict[Hashable, str] = {}
        for viewer in {viewer for page in pages for viewer in viewers_of(page)}:
            key = seen_as(viewer)
            if key not in frames:
                frames[key] = self._list(name, items, viewer, True, keys)
        return Variants(key=seen_as, frames=frames)
