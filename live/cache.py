"""A small thread-safe LRU cache for rendered fragments, one per process.

Keys always include what makes a render current (a task's version, a board's change
number, the language, today's date), so entries never need invalidating: stale ones simply
stop being asked for and fall out.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from live import stats

V = TypeVar("V")


class LRU(Generic[V]):
    def __init__(self, name: str, size: int) -> None:
        self.name, self.size = name, size
        self._items: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()

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

    For the few queries on the handshake path: building and compiling a queryset costs ten
    times what the database takes to answer it. ``build(*placeholders)`` returns the queryset
    for some stand-in parameter values; its SQL is kept and run with the real ones, which must
    take the same positions (checked on first use).
    """

    def __init__(self, build: Callable[..., object], *placeholders: object) -> None:
        self.build, self.placeholders = build, placeholders
        self._sql: str | None = None

    def rows(self, *params: object) -> list[tuple[object, ...]]:
        from django.db import connection

        if self._sql is None:
            sql, compiled = self.build(*self.placeholders).query.sql_with_params()  # type: ignore[attr-defined]
            if tuple(compiled) != self.placeholders:
                raise ValueError(
                    f"parameters {compiled!r} do not match the placeholders {self.placeholders!r}"
                )
            self._sql = sql
        with connection.cursor() as cursor:
            cursor.execute(self._sql, params)
            return cursor.fetchall()
