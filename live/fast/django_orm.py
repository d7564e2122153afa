"""A query compiled by the ORM once, then run as plain SQL with new parameters: the only use
of Django's ORM internals (setting ``LIVE["FAST_ORM"]``, environment ``LIVE_FAST_ORM``).

For the few queries on the hot paths (the socket handshake, every live event), building and
compiling a queryset costs several times what the database takes to answer it.
:class:`CompiledQuery` compiles the queryset built for stand-in values once, finds those
values among the compiled parameters and swaps the real ones in on each run; model instances
(``select_related`` objects included) are made by Django's own machinery kept from the one
compile, as ``ModelIterable`` makes them.

Relies on: ``QuerySet.query.get_compiler()``; the compiler's ``as_sql()``, ``select``,
``klass_info`` (its ``model`` and ``select_fields``), ``col_count``, ``annotation_col_map``,
``get_converters()`` and ``apply_converters()``; ``django.db.models.query.
get_related_populators`` and its populators' ``populate(row, obj)``; a selected column's
``target.attname``; ``Model.from_db``. Tested with Django 5.2.20 on SQLite and PostgreSQL;
``tests/test_internals_contract.py`` checks the names and compares a sample of queries with
the ORM's answers, and ``tests/test_prepared_queries.py`` compares every hot-path query.

The plain path (off): the queryset is built and run through the ORM on every call. Measured
roughly (``python scripts/internals_bench.py``, SQLite in a file, one core of the development
machine): a task with its two ``select_related`` people about 60 µs compiled against about
560 µs through the ORM, a one-column read about 20 µs against 170 µs. Each live event runs
one or two of these per audience, each handshake three to five.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# What the fast path reads of a compiler (the contract test's list).
COMPILER_ATTRIBUTES = (
    "as_sql",
    "select",
    "klass_info",
    "col_count",
    "annotation_col_map",
    "get_converters",
    "apply_converters",
)


class CompiledQuery:
    """``build(*placeholders)``'s queryset, compiled once; see the module docstring."""

    def __init__(self, build: Callable[..., Any], placeholders: tuple[object, ...]) -> None:
        self.build, self.placeholders = build, placeholders
        self._sql: str | None = None
        self._slots: list[tuple[int | None, bool, object]] = []
        self._shape: _Shape | None = None

    def rows(self, params: tuple[object, ...]) -> list[tuple[object, ...]]:
        """The rows as the database returns them (no converters applied)."""
        from django.db import connection

        sql, values = self._statement(params)
        with connection.cursor() as cursor:
            cursor.execute(sql, values)
            return cursor.fetchall()

    def objects(self, params: tuple[object, ...]) -> list[Any]:
        """The model instances ``build(*params)`` would give (without building it again)."""
        rows = self.rows(params)
        shape = self._shape
        if shape is None:
            raise TypeError("objects() of a query that gives no model instances (a values_list?)")
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

    def compile(self) -> None:
        """Compile now (raises ValueError if a placeholder is not among the parameters)."""
        if self._sql is None:
            self._compile()

    def _statement(self, params: tuple[object, ...]) -> tuple[str, list[Any]]:
        if self._sql is None:
            self._compile()
        values = [
            (str(params[slot]) if as_text else params[slot]) if slot is not None else constant
            for slot, as_text, constant in self._slots
        ]
        assert self._sql is not None
        return self._sql, values

    def _compile(self) -> None:
        from django.db.models.query import get_related_populators  # type: ignore[attr-defined]  # private: not in django-stubs

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
