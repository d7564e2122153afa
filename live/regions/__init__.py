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

from collections.abc import Iterable
from typing import Any

from live.regions.base import _declared
from live.regions.collection import Collection
from live.regions.kept import Presence, Typing, _KeptByHubs
from live.regions.merged import MergedStream
from live.regions.region import Region, Stream
from live.registry import Viewer

__all__ = [
    "MergedStream",
    "Collection",
    "Presence",
    "Region",
    "Stream",
    "Typing",
    "all_declared",
    "declared",
    "here_on",
    "snapshot_for",
]


def here_on(page: str, topics: Iterable[str]) -> tuple[tuple[str, ...], bool]:
    """Where a socket of ``page`` on ``topics`` counts as here (the declared presences), and
    whether the page shows who is typing."""

    def declared_on(kind: type[_KeptByHubs], topic: str) -> bool:
        return any(
            isinstance(region, kind) and region.shows_on(page) and region.keys_from_topic(topic) is not None
            for region in _declared.values()
        )

    return tuple(t for t in topics if declared_on(Presence, t)), any(declared_on(Typing, t) for t in topics)


def declared(dom_id: str) -> Region | Stream | MergedStream | Collection | Presence | Typing:
    try:
        return _declared[dom_id]  # type: ignore[return-value]
    except KeyError:
        raise LookupError(f"no live region {dom_id!r} is declared") from None


def all_declared() -> list[Region | Stream | MergedStream | Collection | Presence | Typing]:
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
    merged: list[tuple[MergedStream, list[tuple[str, dict[str, Any]]]]] = []
    # collections first: the change number they read is the one the regions after them (read
    # later, at the same number or a newer one) and the streams (read up to it) fit with
    in_order = sorted(_declared.values(), key=lambda region: not isinstance(region, Collection))
    for region in in_order:
        if isinstance(region, _KeptByHubs) or not region.shows_on(page):
            continue  # (the hubs send who is here and who is typing after the snapshot)
        if isinstance(region, MergedStream):
            matched = [
                (topic, keys) for topic in topics if (keys := region.keys_from_topic(topic)) is not None
            ]
            if matched:
                merged.append((region, matched))
            continue
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
    for region, matched in merged:  # each topic's items up to the number the rest showed
        upto: dict[int, int] = {}
        for topic, keys in matched:
            if topic not in seqs:
                seqs[topic] = region.version(**keys)  # type: ignore[misc]
            upto[next(iter(keys.values()))] = seqs[topic]
        parts.append(region.snapshot(page, upto))
    return "".join(parts), seqs
