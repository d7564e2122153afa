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
from dataclasses import dataclass
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
    say -7001, or dates); wherever they appear among the compiled query's parameters, the real
    values take their place. Other parameters (a ``completed=False`` filter, say) stay as
    compiled. :meth:`rows` gives the rows as the database returns them; :meth:`objects` gives
    model instances, their ``select_related`` objects included, made by Django's own machinery
    (the compiler's converters and related populators, kept from the one compile).
    """

    def __init__(self, build: Callable[..., Any], *placeholders: object) -> None:
        self.build, self.placeholders = build, placeholders
        self._sql: str | None = None
        self._slots: list[tuple[int | None, bool, object]] = []
        self._shape: _Shape | None = None

    def rows(self, *params: object) -> list[tuple[object, ...]]:
        from django.db import connection

        sql, values = self._statement(params)
        with connection.cursor() as cursor:
            cursor.execute(sql, values)
            return cursor.fetchall()

    def objects(self, *params: object) -> list[Any]:
        """The model instances ``build(*params)`` would give (without building it again)."""
        rows = self.rows(*params)
        shape = self._shape
        assert shape is not None  # set by the compile in rows()
        if shape.converters:  # (the backend's converters are stateless: any thread's compiler will do)
            rows = list(shape.compiler.apply_converters(rows, shape.converters))
        found = []
        for row in rows:
            obj = shape.model.from_db(shape.db, shape.init_list, row[shape.start : shape.end])
            for populator in shape.populators:
                populator.populate(row, obj)
            for name, position in shape.annotations.items():
                setattr(obj, name, row[position])
            found.append(obj)
        return found

    def _statement(self, params: tuple[object, ...]) -> tuple[str, list[object]]:
        if self._sql is None:
            self._compile()
        values = [
            (str(params[slot]) if as_text else params[slot]) if slot is not None else constant
            for slot, as_text, constant in self._slots
        ]
        return self._sql, values  # type: ignore[return-value]

    def _compile(self) -> None:
        from django.db.models.query import get_related_populators

        queryset = self.build(*self.placeholders)
        compiler = queryset.query.get_compiler(using=queryset.db)
        sql, compiled = compiler.as_sql()
        # A backend may pass a date as text (SQLite): then the real value goes in as text too.
        texts = [str(p) for p in self.placeholders]
        slots: list[tuple[int | None, bool, object]] = []
        for value in compiled:
            if value in self.placeholders:
                slots.append((self.placeholders.index(value), False, value))
            elif isinstance(value, str) and value in texts:
                slots.append((texts.index(value), True, value))
            else:
                slots.append((None, False, value))
        if {slot for slot, _, _ in slots if slot is not None} != set(range(len(self.placeholders))):
            raise ValueError(f"placeholders {self.placeholders!r} not all found in {compiled!r}")
        if compiler.klass_info is not None:  # a query of model instances (not values_list)
            select, info = compiler.select, compiler.klass_info
            fields = info["select_fields"]
            self._shape = _Shape(
                compiler=compiler,
                converters=compiler.get_converters([column[0] for column in select[: compiler.col_count]]),
                model=info["model"],
                db=queryset.db,
                start=fields[0],
                end=fields[-1] + 1,
                init_list=[column[0].target.attname for column in select[fields[0] : fields[-1] + 1]],
                populators=get_related_populators(info, select, queryset.db),
                annotations=dict(compiler.annotation_col_map or {}),
            )
        self._sql, self._slots = sql, slots


@dataclass(frozen=True, slots=True)
class _Shape:
    """How a compiled query's rows become model instances (what Django's ModelIterable does)."""

    compiler: Any
    converters: dict[int, Any]
    model: Any
    db: str
    start: int
    end: int
    init_list: list[str]
    populators: list[Any]
    annotations: dict[str, int]
