"""What a refused request must leave alone: the database, row for row.

- :func:`fingerprint` reads the row count of every table and a digest of every row of the
  tables that hold what users own (tasks, boards, notifications, chat, users and tokens).
- :class:`RowWrites` counts the rows written (INSERT, UPDATE, DELETE) by any connection in any
  thread while it is on: cheap enough to check after every single frame. A statement with
  RETURNING (Django's inserts, the change-number updates) has no ``rowcount`` until its rows
  are fetched, so it counts as a write whatever it did: a false alarm rather than a miss.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.backends.signals import connection_created

DUMPED = ("tasks_", "notifications_", "chat_", "auth_user", "authtoken_")
WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


def fingerprint() -> dict[str, Any]:
    """Row counts of every table, and a digest of the rows of the tables in ``DUMPED``."""
    quote = connection.ops.quote_name
    state: dict[str, Any] = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")  # noqa: S608
            state[f"{table}:count"] = cursor.fetchone()[0]
            if table.startswith(DUMPED):
                cursor.execute(f"SELECT * FROM {quote(table)} ORDER BY 1")  # noqa: S608
                rows = repr(cursor.fetchall()).encode("utf-8", "backslashreplace")
                state[f"{table}:rows"] = hashlib.sha256(rows).hexdigest()
    return state


def changed(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """The tables (``name:count`` or ``name:rows``) that differ."""
    return sorted(key for key in before.keys() | after.keys() if before.get(key) != after.get(key))


@dataclass(eq=False)  # one counter is one counter: two idle ones are not "equal"
class RowWrites:
    """Rows written by any database connection since the last :meth:`reset`, with the SQL."""

    rows: int = 0
    statements: list[str] = field(default_factory=list)
    on: bool = False

    def reset(self) -> None:
        self.rows, self.statements = 0, []

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
        result = execute(sql, params, many, context)
        if self.on and sql.lstrip().split(None, 1)[0].upper() in WRITES:
            count = context["cursor"].rowcount
            if count < 0 or " RETURNING " in sql.upper():
                count = max(count, 1)  # not known until its rows are fetched: count it as written
            if count:
                self.rows += count
                self.statements.append(sql[:200])
        return result

    def _watch(self, sender: Any, connection: Any, **kwargs: Any) -> None:
        wrappers = connection.execute_wrappers  # runs in the thread that owns ``connection``

        wrappers[:] = [w for w in wrappers if not isinstance(w, RowWrites) or w.on or w is self]
        if self not in wrappers:
            wrappers.append(self)

    @contextmanager
    def watching(self) -> Iterator[RowWrites]:
        """Count from now on, on every connection opened from now on (sockets open their own)."""
        connection_created.connect(self._watch, weak=False)
        self._watch(None, connection)
        self.on = True
        try:
            yield self
        finally:
            self.on = False  # wrappers left on other threads' connections pass through
            connection_created.disconnect(self._watch)
            if self in connection.execute_wrappers:
                connection.execute_wrappers.remove(self)
