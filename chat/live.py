"""Chat rooms as live regions.

| DOM id                  | what                              | refreshed by                        |
|-------------------------|-----------------------------------|-------------------------------------|
| ``room-<id>-messages``  | the latest messages, oldest first | snapshot; ``message.created`` appends |
| ``room-<id>-seen``      | "seen by" (a declared region: chat/regions.py) | snapshot, new messages, read receipts |
| ``room-<id>-read``      | an invisible marker: when it scrolls into view, the page reports it has read up to there | snapshot, new messages |
| ``presence-room-<id>``  | who is here (live/presence.py)    | the hub, when it changes            |
| ``typing-room-<id>``    | who is typing (live/typing.py)    | the hub                             |

A message renders the same for everyone, once per process.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from chat import actions
from chat.actions import MENTION, room_topic
from chat.models import BODY_MAX, Message, Room
from chat.selectors import RoomState, room_state
from live.audit import change_numbers
from live.cache import LRU
from live.fragments import oob_into
from live.registry import render, renders

ROOM = "room"
_messages: LRU[SafeString] = LRU("messages", 5000)


def messages_id(room_id: int) -> str:
    return f"room-{room_id}-messages"


def body_parts(body: str) -> list[tuple[str, bool]]:
    """The body as (text, is_mention) pieces, for the template to escape and highlight."""
    parts, last = [], 0
    for match in MENTION.finditer(body):
        parts.append((body[last : match.start()], False))
        parts.append((match.group(0), True))
        last = match.end()
    parts.append((body[last:], False))
    return [part for part in parts if part[0]]


def message_item(message: Message) -> SafeString:
    key = (message.pk, timezone.localdate(), get_language())
    return _messages.get_or_make(
        key,
        lambda: render("chat/partials/message.html", {"message": message, "parts": body_parts(message.body)}),
    )


def composer(room: Room, *, value: str = "", error: str = "", oob: bool = True) -> SafeString:
    """The message box for ``room`` with a fresh client id (so the next message is a new one)."""
    context = {
        "room": room,
        "client_id": uuid.uuid4().hex,
        "value": value,
        "error": error,
        "oob": oob,
        "body_max": BODY_MAX,
    }
    return render("chat/partials/composer.html", context)


def send_from_composer(
    room: Room, user: Any, body: str, client_id: str, *, oob: bool
) -> tuple[SafeString, bool]:
    """Post what the composer sent (over the socket or HTTP): the composer to show next, fresh
    or with the same text and what is wrong, and whether the message was posted."""
    try:
        actions.message_send(room=room, by=user, body=body, client_id=client_id)
    except ValidationError as exc:
        return composer(room, value=body, error=" ".join(exc.messages), oob=oob), False
    except PermissionDenied as exc:
        return composer(room, value=body, error=str(exc), oob=oob), False
    return composer(room, oob=oob), True


def read_marker(room_id: int, seq: int, *, oob: bool = True) -> SafeString:
    return render("chat/partials/read_marker.html", {"room_id": room_id, "seq": seq, "oob": oob})


def room_regions(room_id: int, state: RoomState, *, oob: bool) -> dict[str, SafeString]:
    items = [message_item(message) for message in state.messages]
    first = state.messages[0].seq if state.messages else None
    return {
        "messages": render(
            "chat/partials/messages.html",
            {"room_id": room_id, "items": items, "before": first if state.more else None, "oob": oob},
        ),
        "marker": read_marker(room_id, state.seq, oob=oob),
    }


def room_snapshot(room_id: int) -> tuple[str, dict[str, int]]:
    state = room_state(room_id)
    return "".join(room_regions(room_id, state, oob=True).values()), {room_topic(room_id): state.seq}


@renders("message.created")
def message_event(event: dict[str, Any], pages: frozenset[str]) -> dict[str, str]:
    message = Message.objects.filter(pk=event["message"]).select_related("author", "attachment").first()
    if message is None:
        return {}
    room_id = event["room"]
    frame = oob_into(messages_id(room_id), "beforeend", message_item(message)) + read_marker(
        room_id, message.seq
    )
    return dict.fromkeys(pages & {ROOM}, frame)  # "seen by" follows: a declared region


@change_numbers("room")
def room_change_numbers(ids: list[int]) -> dict[int, int]:
    """Each room's change number, for the hubs' audit (live/audit.py)."""
    return dict(Room.objects.filter(pk__in=ids).values_list("pk", "seq"))
