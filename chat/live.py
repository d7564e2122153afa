"""Chat messages and the composer as HTML, for pages, pushes and HTTP answers (the room's
live regions are declared in chat/regions.py). A message renders the same for everyone,
once per process."""

from __future__ import annotations

import uuid
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from chat import actions
from chat.actions import MENTION
from chat.models import BODY_MAX, Message, Room
from live.cache import LRU
from live.registry import render

_messages: LRU[SafeString] = LRU("messages", 5000)


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
