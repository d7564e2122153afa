"""The chat room's declared live regions (live/regions/).

| DOM id                 | kind   | what                                                      |
|------------------------|--------|-----------------------------------------------------------|
| ``room-<id>-messages`` | stream | the latest messages, oldest first; a new one is appended  |
| ``room-<id>-seen``     | region | "seen by" under the newest message                        |
| ``room-<id>-read``     | region | an invisible marker: when it scrolls into view, the page reports it has read up to there |
| ``presence-room-<id>`` | presence | who is here (kept by the hubs: live/presence.py)        |
| ``typing-room-<id>``   | typing | who is typing (kept by the hubs: live/typing.py)          |
| ``rooms-nav``          | region | the rooms a person can read, on the rooms page (``/chat/``): an invitation to a private room shows up there live |
"""

from __future__ import annotations

from typing import Any

from chat.live import message_item
from chat.models import RoomMember
from chat.selectors import latest_messages, message_by_pk, room_seq, rooms_visible_to, seen_by
from live.regions import Presence, Region, Stream, Typing
from live.registry import once

ROOM = "room"  # the page (chat/consumers.py)
ROOMS = "rooms"  # the rooms page, /chat/ (chat/consumers.py: RoomsConsumer)
MESSAGE_EVENTS = ("message.created",)


def _seq(room: int) -> int:
    """The room's change number, read once per render pass for all its regions."""
    return once(("room_seq", room), lambda: room_seq(room))


def _messages(upto: int | None, room: int) -> dict[str, Any]:
    items, more = latest_messages(room, upto=upto)
    return {"items": items, "room_id": room, "before": items[0].seq if more else None}


messages = Stream(
    dom_id="room-{room}-messages",
    template="chat/partials/messages.html",
    topic="room.{room}",
    insert_on=MESSAGE_EVENTS,
    item_key="message",
    read_item=message_by_pk,
    item=message_item,
    context=_messages,
    at="beforeend",
    pages=(ROOM,),
    version=_seq,
).register()


def _seen(room: int) -> dict[str, Any]:
    latest, readers = seen_by(room)
    return {"latest": latest, "readers": readers}


seen = Region(
    dom_id="room-{room}-seen",
    template="chat/partials/seen.html",
    topic="room.{room}",
    refresh_on=(*MESSAGE_EVENTS, "receipts.changed"),
    context=_seen,
    pages=(ROOM,),
).register()

read_marker = Region(
    dom_id="room-{room}-read",
    template="chat/partials/read_marker.html",
    topic="room.{room}",
    refresh_on=MESSAGE_EVENTS,
    context=lambda room: {"room_id": room, "seq": _seq(room)},
    pages=(ROOM,),
    version=_seq,
).register()

presence = Presence(topic="room.{room}", pages=(ROOM,)).register()
typing = Typing(topic="room.{room}", pages=(ROOM,)).register()


def _rooms(user: int) -> dict[str, Any]:
    from django.contrib.auth import get_user_model

    person = get_user_model().objects.filter(pk=user).first()
    return {"rooms": list(rooms_visible_to(person)) if person is not None else []}


# On the rooms page only: a room page's own list marks the room it shows (aria-current),
# which a list rendered once per person cannot.
rooms_nav = Region(
    dom_id="rooms-nav",
    template="chat/partials/room_nav.html",
    topic="user.{user}",
    refresh_on=(),
    context=_rooms,
    pages=(ROOMS,),
    models=(RoomMember,),  # invited (by the page, the admin or the shell) or taken out
    keys_of=lambda member: {"user": member.user_id},
).register()
