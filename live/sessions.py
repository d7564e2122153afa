"""Sockets end with the session that opened them.

A socket is authenticated once, at its handshake; afterwards the session can end while the
socket stays open. Every socket hears its own user's topic (``user.<id>``), and:

- logging out publishes ``session.ended`` there with a tag of the session (never the key
  itself): every socket of that session closes with 4401 at once, other sessions stay;
- saving the user (deactivated, password changed, superuser no more) publishes
  ``session.check``: that user's sockets are checked at once, and authorize again
  (live/access.py);
- every ``LIVE_SESSION_CHECK`` seconds each process checks all its sockets, which catches
  what no signal reports: an expired session, a session row deleted, a change made with
  ``QuerySet.update()``.

The check is Django's own (``auth.get_user()``, secret-key fallbacks included); sessions in
the database are first looked up in one query, so a sweep of a thousand sockets costs a few
queries, not thousands.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY, get_user_model, user_logged_out
from django.contrib.sessions.models import Session
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from live.auth import user_for_session
from live.publish import publish

SESSION_ENDED, SESSION_CHECK = "session.ended", "session.check"
DB_ENGINES = {"django.contrib.sessions.backends.db", "django.contrib.sessions.backends.cached_db"}


def user_topic(user_id: int) -> str:
    """The topic every socket of a user listens to (sessions here; the notification bell too)."""
    return f"user.{user_id}"


def session_tag(session_key: str | None) -> str:
    """A name for a session that can travel through Redis without being a credential."""
    return hashlib.sha256(f"live-session:{session_key}".encode()).hexdigest()[:32]


@receiver(user_logged_out, dispatch_uid="live-session-ended")
def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None and request is not None and getattr(request, "session", None) is not None:
        tag = session_tag(request.session.session_key)
        publish(user_topic(user.pk), {"kind": SESSION_ENDED, "session": tag})


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="live-session-check")
def _user_saved(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    """Deactivated, a new password, no longer a superuser: that user's sockets check their
    session and what they may see. Signing in somewhere else (``last_login``) changes nothing."""
    if not created and kwargs.get("update_fields") != frozenset({"last_login"}):
        publish(user_topic(instance.pk), {"kind": SESSION_CHECK})


def signed_out(sessions: dict[str, int]) -> set[str]:
    """Of ``{session_key: user_id}``, the keys that no longer sign that user in (logged out,
    expired, deleted, password changed, user deactivated or gone). Sync: run it in a thread."""
    doubtful = set(sessions)
    if settings.SESSION_ENGINE in DB_ENGINES:
        doubtful -= _plainly_valid(sessions)
    return {key for key in doubtful if user_for_session(key).pk != sessions[key]}


def _plainly_valid(sessions: dict[str, int]) -> set[str]:
    """The sessions that are certainly still good, found in two queries: a live row, an
    active user, the current password hash. Anything else gets Django's full check."""
    rows = Session.objects.filter(session_key__in=list(sessions), expire_date__gt=timezone.now())
    decoded = {row.session_key: row.get_decoded() for row in rows}
    users = get_user_model().objects.in_bulk(_user_ids(decoded.values()))
    valid = set()
    for key, data in decoded.items():
        user = users.get(_as_int(data.get(SESSION_KEY)))
        if (
            user is not None
            and user.pk == sessions[key]
            and user.is_active
            and constant_time_compare(data.get(HASH_SESSION_KEY) or "", user.get_session_auth_hash())
        ):
            valid.add(key)
    return valid


def _user_ids(sessions: Iterable[dict[str, Any]]) -> set[int]:
    return {user_id for data in sessions if (user_id := _as_int(data.get(SESSION_KEY))) is not None}


def _as_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
