"""Django's database session, its row read with one plain statement: the only override of a
private session method (setting ``LIVE["FAST_SESSIONS"]``, environment ``LIVE_FAST_SESSIONS``).

Every socket handshake loads its session (live/auth.py); building the ORM query for the
session row cost more than the database took to answer it. :class:`DatabaseSession` is
Django's ``db.SessionStore`` with the row read by one SQL statement: the same row, the same
expiry rule, Django's own decoding, user resolution and checks.

Relies on: ``django.contrib.sessions.backends.db.SessionStore._get_session_from_db`` (called
by ``load()``; returns an object with ``session_data`` or None, and clears ``_session_key``
when there is no valid row), ``SessionStore.key_salt`` (the signing salt is named after the
class, so a subclass must keep ``db``'s), and ``SessionStore.model._meta.db_table``. Tested
with Django 5.2.20; ``tests/test_internals_contract.py`` checks the names and that this store
and Django's agree on valid, expired, tampered and missing sessions.

The plain path (off): ``SESSION_ENGINE``'s own ``SessionStore``, through the ORM. Measured
roughly (``python scripts/internals_bench.py``, SQLite in a file, one core of the development
machine): about 40 µs per session load here against about 210 µs through the ORM, once per
handshake.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from django.contrib.sessions.backends import db
from django.db import connection
from django.utils import timezone


class DatabaseSession(db.SessionStore):
    """Django's database session, its row read with one plain statement."""

    key_salt = "django.contrib.sessions.SessionStore"  # the salt is named after the class: keep db's

    def _get_session_from_db(self) -> Any:
        if self.session_key is None:
            return None
        table = connection.ops.quote_name(self.model._meta.db_table)
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT session_data FROM {table} WHERE session_key = %s AND expire_date > %s",  # noqa: S608
                [self.session_key, now],
            )
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        return SimpleNamespace(session_data=row[0])
