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

from live import stats

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
    """A query built with the ORM once, then run as plain SQL with new parameters.

    For the few queries on the hot paths (the socket handshake, every live event): building
    and compiling a queryset costs ten times what the database takes to answer it here.
    ``build(*placeholders)`` returns the queryset for stand-in values (distinctive numbers,
    say -7001); wherever they appear among the compiled query's parameters, the real values
    take their place. Other parameters (a ``completed=False`` filter, say) stay as compiled.
    """

    def __init__(self, build: Callable[..., object], *placeholders: object) -> None:
        self.build, self.placeholders = build, placeholders
        self._sql: str | None = None
        self._slots: list[tuple[int | None, object]] = []

    def rows(self, *params: object) -> list[tuple[object, ...]]:
        from django.db import connection

        if self._sql is None:
            sql, compiled = self.build(*self.placeholders).query.sql_with_params()  # type: ignore[attr-defined]
            slots = [(self.placeholders.index(p) if p in self.placeholders else None, p) for p in compiled]
            if {slot for slot, _ in slots if slot is not None} != set(range(len(self.placeholders))):
                raise ValueError(f"placeholders {self.placeholders!r} not all found in {compiled!r}")
            self._sql, self._slots = sql, slots
        values = [params[slot] if slot is not None else constant for slot, constant in self._slots]
        with connection.cursor() as cursor:
            cursor.execute(self._sql, values)
            return cursor.fetchall()
