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
  commit that saved or deleted one, for models that publish no events of their own; what
  sends no signal (``QuerySet.update()``, ``bulk_create()``) calls ``region.refresh(**keys)``;
- **who sees it**: only sockets on the topic; ``visible_to(viewer, **keys)`` narrows it further
  (the region is rendered once, and sent only to those it returns True for);
- **overriding**: the partial is found by Django's template loaders, so a project's own
  ``templates/`` folder overrides it, pushes included;
- **cheap handshakes**: with ``version`` (a change number read in one query, like the board's
  ``seq``), the snapshot render is kept per version and language and shared by every socket.

The template must give its root element ``id="{{ region_id }}"`` and
``{% if oob %} hx-swap-oob="true"{% endif %}``.

A list that grows one item at a time (chat messages, an activity feed) is a :class:`Stream`:
the same declaration, plus how to read and render one item, and each event that names a new
item inserts only that item::

    Stream(
        dom_id="room-{room}-messages",
        template="chat/partials/messages.html",  # the whole list, for pages and snapshots
        topic="room.{room}",
        insert_on=("message.created",),
        item_key="message",                      # the event field with the new item's pk
        read_item=message_by_pk,
        item=message_item,                       # one item's html
        context=lambda upto, room: {"items": latest_messages(room, upto=upto)},
        at="beforeend",
        version=room_seq,
    ).register()

Its items carry their topic's change number (``upto``: the snapshot's), so a reconnecting page
gets each item exactly once.

Who is here and who is typing are state of the hubs, not of a model: ``Presence(topic=
"board.{board}", pages=("board",))`` makes those pages' sockets count as here and get the
list, ``Typing`` likewise for "who is typing"; the page puts them in with ``{% live_region %}``.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.db import transaction
from django.db.models import Model
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from live import presence, typing
from live.cache import LRU
from live.fragments import oob_delete, oob_into
from live.publish import publish
from live.registry import Parts, Variants, Viewer, add_renderer, once, remove_renderer, render, viewers_of

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

    def _on_event(self, event: dict[str, Any], pages: frozenset[str]) -> dict[str, str | Variants]:
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

    def _to_pages(self, html: str, keys: dict[str, Any], pages: frozenset[str]) -> dict[str, str | Variants]:
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

    def _on_event(self, event: dict[str, Any], pages: frozenset[str]) -> dict[str, str | Variants]:
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

    def _on_event(self, event: dict[str, Any], pages: frozenset[str]) -> dict[str, str | Variants]:
        keys = self._event_keys(event)
        pk = event.get(self.item_key)
        if keys is None or not pk or not any(self.shows_on(page) for page in pages):
            return {}
        new = once((self.read_item, pk), lambda: self.read_item(pk))  # shared with any same read
        if new is None:
            return {}
        return self._to_pages(oob_into(self.dom_id.format(**keys), self.at, self.item(new)), keys, pages)


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

    def _on_event(self, event: dict[str, Any], pages: frozenset[str]) -> dict[str, str | Variants | Parts]:
        keys = self._event_keys(event)
        pk = event.get(self.item_key)
        shown = [page for page in pages if self.shows_on(page)]
        if keys is None or not pk or not shown:
            return {}
        item = once((self.read_item, pk), lambda: self.read_item(pk, **keys))
        was = event.get("was")
        off = oob_delete(self.item_id(pk)) if was is not None else ""  # on no page yet: nothing to take off
        frame: str | Variants | Parts = off
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
                frame = Parts([frame, refill])
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

    def _on_event(self, event: dict[str, Any], pages: frozenset[str]) -> dict[str, str | Variants]:
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


def here_on(page: str, topics: Iterable[str]) -> tuple[tuple[str, ...], bool]:
    """Where a socket of ``page`` on ``topics`` counts as here (the declared presences), and
    whether the page shows who is typing."""

    def declared_on(kind: type[_KeptByHubs], topic: str) -> bool:
        return any(
            isinstance(region, kind) and region.shows_on(page) and region.keys_from_topic(topic) is not None
            for region in _declared.values()
        )

    return tuple(t for t in topics if declared_on(Presence, t)), any(declared_on(Typing, t) for t in topics)


def declared(dom_id: str) -> Region | Stream | Collection | Presence | Typing:
    try:
        return _declared[dom_id]  # type: ignore[return-value]
    except KeyError:
        raise LookupError(f"no live region {dom_id!r} is declared") from None


def all_declared() -> list[Region | Stream | Collection | Presence | Typing]:
    return list(_declared.values())  # type: ignore[arg-type]


def snapshot_for(
    page: str, topics: Iterable[str], viewer: Viewer, seqs: dict[str, int] | None = None
) -> tuple[str, dict[str, int]]:
    """Every declared region and stream a socket of ``page`` on ``topics`` shows, and the
    change number each topic is at for the socket's filter of older events: the lowest of
    ``seqs`` (what the page's own snapshot showed) and the regions' numbers. Streams are
    rendered last, up to that number, so their items and the events after it fit exactly."""
    parts: list[str] = []
    seqs = dict(seqs or {})
    streams: list[tuple[Stream, str, dict[str, Any]]] = []
    # collections first: the change number they read is the one the regions after them (read
    # later, at the same number or a newer one) and the streams (read up to it) fit with
    in_order = sorted(_declared.values(), key=lambda region: not isinstance(region, Collection))
    for region in in_order:
        if isinstance(region, _KeptByHubs) or not region.shows_on(page):
            continue  # (the hubs send who is here and who is typing after the snapshot)
        for topic in topics:
            keys = region.keys_from_topic(topic)
            if keys is None or (region.visible_to is not None and not region.visible_to(viewer, **keys)):
                continue
            if isinstance(region, Stream):
                streams.append((region, topic, keys))
                continue
            if isinstance(region, Collection):
                html, version = region.snapshot(keys, viewer)
            else:
                html, version = region.snapshot(keys)  # type: ignore[attr-defined]
            parts.append(html)
            if version is not None:
                seqs[topic] = min(version, seqs.get(topic, version))
    for stream, topic, keys in streams:
        html, seqs[topic] = stream.snapshot(keys, seqs.get(topic))
        parts.append(html)
    return "".join(parts), seqs
