"""Writes. Pages, sockets and the REST API all create rooms and send messages through these.

A message takes the room's next change number in its transaction and, after commit, goes
to every page open on the room (``room.<id>``), and its mentions become notifications.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from chat import files
from chat.models import BODY_MAX, Attachment, Message, ReadPosition, Room, RoomMember
from chat.permissions import can_read
from live.publish import publish
from live.registry import RESET
from notifications.actions import notify
from notifications.models import Kind

MENTION = re.compile(r"(?<![\w@])@([\w.@+-]{1,150})")


def room_topic(room_id: int) -> str:
    return f"room.{room_id}"


def _unique_slug(name: str) -> str:
    base = slugify(name)[:90] or "room"
    slug, n = base, 1
    while Room.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def room_create(*, by: Any, name: str, is_private: bool = False, members: list[Any] | None = None) -> Room:
    """A new room, open to the team or private to ``by`` and ``members``."""
    name = name.strip()
    if not name or len(name) > 80:
        raise ValidationError({"name": _("Give the room a name of at most 80 characters.")})
    with transaction.atomic():
        room = Room.objects.create(name=name, slug=_unique_slug(name), is_private=is_private, created_by=by)
        if is_private:
            RoomMember.objects.bulk_create(
                [RoomMember(room=room, user=user) for user in {by, *(members or [])}], ignore_conflicts=True
            )
    return room


def room_for_board(board: Any) -> Room:
    """The board's room (made the first time it is asked for)."""
    room = Room.objects.filter(board=board).first()
    if room is None:
        try:
            with transaction.atomic():
                room = Room.objects.create(board=board, name=board.name, slug=_unique_slug(board.slug))
        except IntegrityError:
            room = Room.objects.get(board=board)
    return room


def room_invite(*, room: Room, by: Any, user: Any) -> None:
    """Add ``user`` to a private room (by one of its members); they see its whole history."""
    if not room.is_private or not can_read(by, room):
        raise PermissionDenied(_("Only members of a private room can invite to it."))
    if not user.is_active:
        raise ValidationError(_("That account is not active."))
    RoomMember.objects.get_or_create(room=room, user=user)
    publish(room_topic(room.pk), {"kind": RESET, "room": room.pk})


def message_send(
    *, room: Room, by: Any, body: str, client_id: str | None = None, attachment: Attachment | None = None
) -> Message:
    """Post a message. A resend with the same ``client_id`` and body stores nothing new."""
    if not can_read(by, room):
        raise PermissionDenied(_("You are not in this room."))
    body = body.strip()
    if not body and attachment is None:
        raise ValidationError({"message": _("Write something first.")})
    if len(body) > BODY_MAX:
        raise ValidationError(
            {
                "message": _("A message can be at most %(limit)d characters (%(length)d now).")
                % {"limit": BODY_MAX, "length": len(body)}
            }
        )
    client_id = (client_id or "").strip()[:64] or None
    if client_id:
        sent = Message.objects.filter(author=by, client_id=client_id).first()
        if sent is not None:
            if sent.body == body and sent.room_id == room.pk:
                return sent  # the same message again (a resend after a reconnect)
            client_id = None  # a different message that reused the id: keep it, just not deduped
    try:
        with transaction.atomic():
            return _post(room, by, body, client_id, attachment)
    except IntegrityError:  # the same resend twice at once: the other one stored it first
        sent = Message.objects.filter(author=by, client_id=client_id, room=room, body=body).first()
        if client_id is None or sent is None:
            raise
        return sent


def _post(room: Room, by: Any, body: str, client_id: str | None, attachment: Attachment | None) -> Message:
    seq = Room.objects.next_seq(room.pk)  # locks the room until commit: one number each, in order
    message = Message.objects.create(
        room=room, author=by, body=body, attachment=attachment, client_id=client_id, seq=seq
    )
    publish(
        room_topic(room.pk), {"kind": "message.created", "room": room.pk, "message": message.pk, "seq": seq}
    )
    publish(room_topic(room.pk), {"kind": "typing.stop", "user": by.pk})
    transaction.on_commit(lambda: _notify_mentions(message, by))
    return message


def _notify_mentions(message: Message, by: Any) -> None:
    names = {name.rstrip(".") for name in MENTION.findall(message.body)}
    if not names:
        return
    room = message.room
    mentioned = [
        user
        for user in get_user_model().objects.filter(username__in=names, is_active=True)
        if can_read(user, room)
    ]  # never someone outside a private room
    notify(
        recipients=[user.pk for user in mentioned],
        kind=Kind.MENTION,
        text=message.body[:200],
        actor_id=by.pk,
        link=f"{room.get_absolute_url()}#msg-{message.pk}",
    )


def attachment_share(*, room: Room, by: Any, upload: UploadedFile, caption: str = "") -> Message:
    """Store an uploaded file under a random name and post it to the room."""
    if not can_read(by, room):
        raise PermissionDenied(_("You are not in this room."))
    checked = files.check(upload)
    stored = default_storage.save(
        f"chat/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{checked.extension}", upload
    )
    original = (upload.name or "file").replace("\\", "/").rsplit("/", 1)[-1][:200] or "file"
    attachment = Attachment.objects.create(
        room=room,
        uploaded_by=by,
        file=stored,
        name=original,
        size=upload.size or 0,
        content_type=checked.content_type,
        width=checked.width,
        height=checked.height,
    )
    return message_send(room=room, by=by, body=caption, attachment=attachment)


def read_upto(*, room: Room, user: Any, seq: int) -> int:
    """Move ``user``'s read position forward to change number ``seq`` (never back, never past the
    newest message); the others' "seen by" follows. Returns the position now."""
    with transaction.atomic():
        seq = min(seq, Room.objects.filter(pk=room.pk).values_list("seq", flat=True).get())
        position, _ = ReadPosition.objects.select_for_update().get_or_create(room=room, user=user)
        if seq > position.seq:
            position.seq = seq
            position.updated_at = timezone.now()
            position.save(update_fields=["seq", "updated_at"])
            publish(room_topic(room.pk), {"kind": "receipts.changed", "room": room.pk})
    return position.seq


def typing(*, room: Room, user: Any) -> None:
    """Say that ``user`` is typing (ephemeral: the hubs forget it after a few seconds)."""
    name = user.get_full_name() or user.get_username()
    publish(room_topic(room.pk), {"kind": "typing.start", "user": user.pk, "name": name})
