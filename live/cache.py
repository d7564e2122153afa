"""A small thread-safe LRU cache for rendered fragments, one per process.

Keys always include what makes a render current (a task's version, a board's change
number, the language, today's date), so entries never need invalidating: stale ones simply
stop being asked for and fall out.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, ClassVar, Generic, TypeVar

from live import fast, stats
from live.fast.django_orm import CompiledQuery

V = TypeVar("V")


class LRU(Generic[V]):
    every: ClassVar[weakref.WeakSet[LRU[Any]]] = weakref.WeakSet()

    def __init__(self, name: str, size: int) -> None:
        self.name, self.size = name, size
        self._items: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()
        LRU.every.add(self)

    @classmethod
    def clear_all(cls) -> None:
        """Forget every cached render (tests do, between tests: their ids start over)."""
        for cache in list(cls.every):
            cache.clear()

    def get_or_make(self, key: Hashable, make: Callable[[], V]) -> V:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                stats.counters[f"cache_{self.name}_hits"] += 1
                return self._items[key]
        value = make()
        with self._lock:
            self._items[key] = value
            if len(self._items) > self.size:
                self._items.popitem(last=False)
        return value

    def get(self, key: Hashable) -> V | None:
        with self._lock:
            return self._items.get(key)

    def put(self, key: Hashable, value: V) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            if len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


class PreparedQuery:
    """A query on a hot path (the socket handshake, every live event), declared once.

    ``build(*placeholders)`` returns the queryset for stand-in values (distinctive numbers,
    say -7001, or dates). With ``LIVE["FAST_ORM"]`` on, the queryset is compiled once and run
    as plain SQL with the real values swapped in wherever the stand-ins appear among its
    parameters (live/fast/django_orm.py: building and compiling a queryset costs several
    times what the database takes to answer it). Off, ``build(*params)`` is run through the
    ORM on every call. Either way :meth:`rows` gives a ``values_list`` query's rows and
    :meth:`objects` a model query's instances, their ``select_related`` objects included.
    """

    def __init__(self, build: Callable[..., Any], *placeholders: object) -> None:
        self.build, self.placeholders = build, placeholders
        self._compiled = CompiledQuery(build, placeholders)

    def rows(self, *params: object) -> list[tuple[object, ...]]:
        if fast.on("ORM"):
            return self._compiled.rows(params)
        return list(self.build(*params))

    def objects(self, *params: object) -> list[Any]:
        """The model instances ``build(*params)`` gives."""
        if fast.on("ORM"):
            return self._compiled.objects(params)
        return list(self.build(*params))
