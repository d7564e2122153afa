"""Change numbers: one counter per topic, taken inside the writing transaction.

Every live topic (``board.3``, ``room.7``, ``user.12``) has a change number kept in an
integer column of one database row (``Board.seq``, ``Room.seq``, ``Inbox.seq``). A write
takes the next number inside its transaction (``next()``: one ``UPDATE ... RETURNING``,
which also locks the row until commit, so numbers are handed out in commit order) and
stamps its change and its event with it. Pages know which number their snapshot showed, so
nothing is shown twice or out of order; the hubs' audit reads the current numbers
(``current()``) to find an event that was lost (live/audit.py).

An app declares each of its counters once::

    board_numbers = ChangeNumbers("board", "tasks.Board")  # topics board.<id>, column Board.seq

and the audit knows it from then on.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.db import DEFAULT_DB_ALIAS, connections

from live import audit


class ChangeNumbers:
    """The change numbers of the topics ``<kind>.<key>``, in ``model``'s ``field``, the row
    found by its ``key`` column (the primary key unless said). With ``create``, a missing row
    is made on the first ``next()`` (a per-user inbox); otherwise it raises the model's
    ``DoesNotExist``."""

    def __init__(
        self, kind: str, model: str, *, field: str = "seq", key: str = "id", create: bool = False
    ) -> None:
        self.kind, self.model_label, self.field, self.key, self.create = kind, model, field, key, create
        audit.register(kind, self.current)

    @property
    def model(self) -> Any:
        return apps.get_model(self.model_label)

    def topic(self, ident: int) -> str:
        return f"{self.kind}.{ident}"

    def next(self, ident: int, *, using: str | None = None) -> int:
        """Take the next change number of ``<kind>.<ident>`` (inside the caller's transaction;
        the row stays locked until it ends)."""
        model = self.model
        connection = connections[using or DEFAULT_DB_ALIAS]
        ops = connection.ops
        table, column = (
            ops.quote_name(model._meta.db_table),
            ops.quote_name(model._meta.get_field(self.field).column),
        )
        key = ops.quote_name(model._meta.get_field(self.key).column)
        sql = f"UPDATE {table} SET {column} = {column} + 1 WHERE {key} = %s RETURNING {column}"  # noqa: S608
        for _ in range(2):
            with connection.cursor() as cursor:
                cursor.execute(sql, [ident])
                row = cursor.fetchone()
            if row is not None:
                return int(row[0])
            if not self.create:
                break
            model._default_manager.db_manager(using).get_or_create(**{self.key: ident})
        raise model.DoesNotExist(f"no {self.model_label} with {self.key}={ident}")

    def current(self, idents: Iterable[int], *, using: str | None = None) -> dict[int, int]:
        """The current change number of each of ``idents`` that has a row."""
        rows = self.model._default_manager.db_manager(using).filter(**{f"{self.key}__in": list(idents)})
        return dict(rows.values_list(self.key, self.field))
