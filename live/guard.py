"""The hub's part that ends or re-scopes sockets whose user may no longer see what they show.

- ``session.ended`` (a logout): that session's sockets sign out (4401) at once;
- ``session.check`` (a user saved: deactivated, password changed, new role): that user's
  sockets check their session and authorize again;
- ``access.changed`` (a membership, a role, a private room): every socket on the topic
  authorizes again (live/access.py): refused, it ends with 4403;
- every ``LIVE["SESSION_CHECK"]`` seconds, every socket's session is checked (what no signal
  reports: an expired or deleted session, ``QuerySet.update()``).
"""

from __future__ import annotations

from typing import Any, ClassVar

from channels.db import database_sync_to_async
from django.conf import settings

from live import sessions, stats
from live.access import ACCESS_CHANGED
from live.parts import Part, Socket
from live.schedule import Schedule


class Guard(Part):
    kinds: ClassVar[dict[str, str]] = {
        sessions.SESSION_ENDED: "on_session_ended",
        sessions.SESSION_CHECK: "on_session_check",
        ACCESS_CHANGED: "on_access_changed",
    }

    def scheduled(self, schedule: Schedule) -> None:
        schedule.every(
            lambda: settings.LIVE["SESSION_CHECK"], self.check_all, name="session check", jitter=0.5
        )

    async def check_all(self) -> None:
        await self.check_sessions([sock for sock in self.hub.local_sockets() if sock.ready])

    async def check_sessions(self, sockets: list[Socket]) -> None:
        """Close the sockets whose session no longer signs their user in (live/sessions.py)."""
        owners = {sock.session_key: sock.viewer.user_id for sock in sockets if sock.session_key}
        if not owners:
            return
        ended = await database_sync_to_async(sessions.signed_out)(owners)
        for sock in sockets:
            if sock.session_key in ended or not sock.session_key:
                await sock.sign_out()

    async def reauthorize(self, topic: str, *, resend: bool = True) -> None:
        """Every local socket on ``topic`` checks again what its user may see (live/access.py)."""
        for sock in self.hub.local_sockets(topic):
            await sock.reauthorize(resend=resend)
        stats.counters["reauthorized"] += 1

    async def on_session_ended(self, topic: str, message: dict[str, Any]) -> None:
        for sock in self.hub.local_sockets(topic):
            if sessions.session_tag(sock.session_key) == message.get("session"):
                await sock.sign_out()

    async def on_session_check(self, topic: str, message: dict[str, Any]) -> None:
        """A user was saved: signed out, or a new role?"""
        await self.check_sessions(self.hub.local_sockets(topic))
        await self.reauthorize(topic, resend=False)

    async def on_access_changed(self, topic: str, message: dict[str, Any]) -> None:
        await self.reauthorize(topic)
