"""Each topic's change number as the database has it, so a hub can tell that it missed one.

A hub notices a lost event when a later one on the same topic arrives (live/ordering.py). The
*last* event of a burst has no later one: if the layer dropped it (or a publish gave up while
Redis was hung), the pages would show the change only at their next reconnect. So every
``LIVE["AUDIT"]`` seconds each hub reads the current change number of the topics it watches
(one query per kind of topic) and re-syncs a topic whose change it has still not seen an
audit later (live/hub.py).

Each kind of topic's numbers are read by its counter (live/changes.py: ``ChangeNumbers``
registers itself here).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

Reader = Callable[[list[int]], dict[int, int]]

_readers: dict[str, Reader] = {}
CHUNK = 500  # ids per query (SQLite's variable limit is far above)


def register(kind: str, reader: Reader) -> None:
    """Read the change numbers of the topics ``<kind>.<id>`` with ``reader`` (ids -> {id: seq})."""
    _readers[kind] = reader


def audited(topic: str) -> bool:
    kind, _, ident = topic.partition(".")
    return kind in _readers and ident.isdigit()


def current(topics: Iterable[str]) -> dict[str, int]:
    """The database's change number of each audited topic (sync: run it in a thread)."""
    ids: dict[str, list[int]] = {}
    for topic in topics:
        if audited(topic):
            kind, _, ident = topic.partition(".")
            ids.setdefault(kind, []).append(int(ident))
    found: dict[str, int] = {}
    for kind, wanted in ids.items():
        for start in range(0, len(wanted), CHUNK):
            for number, seq in _readers[kind](wanted[start : start + CHUNK]).items():
                found[f"{kind}.{number}"] = seq
    return found
