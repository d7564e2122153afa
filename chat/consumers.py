"""``ws/chat/<slug>/``: a chat room (the lesson's route, ``<room>`` being the room's slug).

Topics: ``room.<id>`` (messages, receipts, typing, presence) and the user's own (the bell).
Inbound actions (the composer's ``ws-send``):

| action          | values                         | effect                                          |
|-----------------|--------------------------------|-------------------------------------------------|
| ``message.send``| ``message`` (1..4000 chars), ``client_id`` | posts it; the sender's composer is cleared |
| ``typing``      |                                | "<name> is typing…" for the others, for ~5 s    |
| ``read``        | ``upto`` (a change number)     | moves the read position forward                  |

Private rooms refuse outsiders with 4403. Messages sent while the socket reconnects are
queued by htmx and sent on reconnect; the ``client_id`` makes a resend harmless.
"""

from __future__ import annotations

import time
from typing import Any

from channels.db import database_sync_to_async
from django import forms
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from chat import actions
from chat.live import composer, send_from_composer
from chat.models import Room
from chat.permissions import can_read
from chat.regions import ROOM, ROOMS
from live.consumers import LiveConsumer
from live.protocol import Inbound
from live.registry import Viewer
from notifications.consumers import InboxMixin, UserNotificationConsumer
from tasks.selectors import viewer_for

TYPING_EVERY = 2.0  # seconds: typing signals closer together than this are ignored


class SendForm(forms.Form):
    message = forms.CharField(required=False, strip=False)  # its length is the action's to judge
    client_id = forms.CharField(max_length=64, required=False)


class ReadForm(forms.Form):
    upto = forms.IntegerField(min_value=0)


class RoomConsumer(InboxMixin, LiveConsumer):
    page = ROOM
    actions = {
        **InboxMixin.inbox_actions,
        "message.send": "send_message",
        "typing": "signal_typing",
        "read": "mark_read_upto",
    }
    signals = frozenset({"typing", "read"})  # sent by the page itself; the latest supersedes
    _typed_at = float("-inf")

    def authorize(self, user: Any) -> tuple[Viewer, list[str]]:
        room = (
            Room.objects.filter(slug=self.scope["url_route"]["kwargs"]["room"])
            .select_related("board")
            .first()
        )
        if room is None or not can_read(user, room):
            raise PermissionDenied(_("No such room."))
        self.room = room
        return viewer_for(user), [actions.room_topic(room.pk)]

    async def send_message(self, inbound: Inbound) -> None:
        form = SendForm(inbound.values)
        if not form.is_valid():
            await self.send_error(_("That message could not be read."))
            return
        reply = await database_sync_to_async(self._send)(
            form.cleaned_data["message"], form.cleaned_data["client_id"]
        )
        await self.send(text_data=reply)

    def _send(self, body: str, client_id: str) -> str:
        """Post the message; answer with a fresh composer, or the same text and what is wrong."""
        try:
            user = self.acting_user()
        except PermissionDenied as exc:
            return composer(self.room, value=body, error=str(exc))
        return send_from_composer(self.room, user, body, client_id, oob=True)[0]

    async def signal_typing(self, inbound: Inbound) -> None:
        now = time.monotonic()
        if now - self._typed_at < TYPING_EVERY:
            return
        self._typed_at = now
        try:
            await database_sync_to_async(self.as_acting_user)(actions.typing, room=self.room)
        except PermissionDenied as exc:
            await self.send_error(str(exc))

    async def mark_read_upto(self, inbound: Inbound) -> None:
        form = ReadForm(inbound.values)
        if not form.is_valid():
            await self.send_error(_("That message named no valid position."))
            return
        try:
            await database_sync_to_async(self.as_acting_user)(
                actions.read_upto, room=self.room, seq=form.cleaned_data["upto"]
            )
        except PermissionDenied as exc:
            await self.send_error(str(exc))


class RoomsConsumer(UserNotificationConsumer):
    """``ws/chat/``: the rooms page, whose list of rooms is live (``rooms-nav``), and the bell."""

    page = ROOMS
