"""Merged streams: one list on a page that merges the items of every topic of one kind the
page watches (the cross-board activity feed: a line for every board the viewer can see).

Declared like a stream, with what merging needs::

    MergedStream(
        dom_id="activity-feed",                  # one list per page: no keys in the id
        template="tasks/partials/activity_feed.html",
        topic="board.{board}",                   # every board topic the page's socket watches
        insert_on=("task.changed", "task.deleted"),
        item_key="activity", read_item=activity_by_pk, item=feed_line,
        order=lambda line: line.pk,              # the items' one order across topics
        items=lambda upto, limit: lines_up_to(upto, limit),  # upto: {board: change number}
        audience=lambda viewer: boards_seen(viewer),  # what a viewer's merged list differs by
        items_upto=lambda audience, last, limit: lines_up_to_line(audience, last, limit),
        limits={"tasks": 20, "activity": 50},    # items each page shows
        version=board_seq,
    ).register()

Each topic's events come in order (live/ordering.py), but two topics' writes may publish the
other way round. An item that comes after one later in the order is therefore not inserted
on top, where it would stand above a newer one: the list is sent whole instead, read up to
the newest item on top (those after it are still to come, on top), rendered once per
audience present (``audience(viewer)``), never per socket. A snapshot holds, for each topic,
only the items up to the change number the rest of the page showed, so an item is never
shown twice.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.utils.safestring import SafeString

from live import stats
from live.fragments import oob_into
from live.regions.base import _Live
from live.registry import Frame, Variants, Viewer, once, render, viewers_of

_NOBODY = object()  # the audience of a viewer the render did not know: no frame


def _audience_of(audiences: dict[Viewer, Hashable], viewer: Viewer) -> Hashable:
    return audiences.get(viewer, _NOBODY)


# dom id -> the order of the newest item this process has put on top of that list
_newest: dict[str, int] = {}


@dataclass(frozen=True, kw_only=True)
class MergedStream(_Live):
    template: str  # the whole list: gets region_id, oob and the rendered items
    item: Callable[[Any], SafeString]  # one item, rendered
    item_key: str  # the event field with the new item's primary key
    read_item: Callable[[int], Any]  # that item (None: gone by now)
    insert_on: tuple[str, ...]
    order: Callable[[Any], int]  # an item's place in the one order across topics
    items: Callable[[dict[int, int], int], list[Any]]  # ({key: change number}, limit), newest first
    audience: Callable[[Viewer], Hashable]  # what a viewer's merged list differs by
    items_upto: Callable[[Hashable, int, int], list[Any]]  # (audience, last item's order, limit)
    limits: dict[str, int] = field(default_factory=dict)  # page -> items shown

    def register(self) -> MergedStream:
        if self.version is None or len(self.keys) != 1 or "{" in self.dom_id:
            raise ValueError(
                f"{self.dom_id}: a merged stream needs version, a topic with one key and an id without"
            )
        self._declare(self.insert_on)
        return self

    def render(self, *, oob: bool, items: list[Any]) -> SafeString:
        rendered = [self.item(each) for each in items]
        return render(self.template, {"region_id": self.dom_id, "items": rendered, "oob": oob})

    def limit(self, page: str) -> int:
        return self.limits.get(page, 20)

    def snapshot(self, page: str, upto: dict[int, int]) -> SafeString:
        """The list for a (re)connecting socket of ``page`` that shows each topic up to its
        change number in ``upto`` (key -> number)."""
        return self.render(oob=True, items=self.items(upto, self.limit(page)))

    def _on_event(self, event: dict[str, Any], pages: frozenset[str]) -> dict[str, Frame]:
        keys = self._event_keys(event)
        pk = event.get(self.item_key)
        shown = frozenset(page for page in pages if self.shows_on(page))
        if keys is None or not pk or not shown:
            return {}
        new = once((self.read_item, pk), lambda: self.read_item(pk))  # shared with the board's stream
        if new is None:
            return {}
        place = self.order(new)
        if place >= _newest.get(self.dom_id, 0):
            _newest[self.dom_id] = place
            return dict.fromkeys(shown, oob_into(self.dom_id, "afterbegin", self.item(new)))
        stats.counters["feeds_reordered"] += 1
        newest = _newest[self.dom_id]
        frames: dict[str, Frame] = {}
        for page in shown:
            # each viewer's audience, worked out here in the render (it may read the database);
            # a viewer who came meanwhile gets nothing (its snapshot holds the list)
            audiences = {viewer: self.audience(viewer) for viewer in viewers_of(page)}
            whole: dict[Hashable, str] = {
                key: self.render(oob=True, items=self.items_upto(key, newest, self.limit(page)))
                for key in set(audiences.values())
            }
            frames[page] = Variants(key=partial(_audience_of, audiences), frames=whole)
        return frames
