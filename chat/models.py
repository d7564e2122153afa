"""Chat rooms: one per board (open to whoever sees the board), and rooms people create,
open to the team or private to invited members.

Like boards, each room has a change counter (``Room.seq``): every message takes the next
number, so lists are ordered by it and a page's snapshot knows which messages it holds.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from live.changes import ChangeNumbers

BODY_MAX = 4000


class RoomQuerySet(models.QuerySet["Room"]):
    def next_seq(self, room_id: int) -> int:
        """The room's next change number (locks the room row until commit: live/changes.py)."""
        return room_numbers.next(room_id, using=self.db)


# Each room's change number, in Room.seq: the topics room.<id> (and the hubs' audit).
room_numbers = ChangeNumbers("room", "chat.Room")


class Room(models.Model):
    name = models.CharField(max_length=80)
    slug = models.SlugField(max_length=100, unique=True)
    board = models.OneToOneField(
        "tasks.Board",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="room",
        help_text="A board's room: open to exactly who sees the board.",
    )
    is_private = models.BooleanField(default=False, help_text="Only invited members can see a private room.")
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="RoomMember", related_name="rooms", blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    seq = models.PositiveBigIntegerField(default=0, editable=False)

    objects = RoomQuerySet.as_manager()

    class Meta:
        ordering = ["board__name", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("room", kwargs={"slug": self.slug})


class RoomMember(models.Model):
    """Membership of a private room (open rooms need none)."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="room_memberships"
    )
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["room", "user"], name="one_room_membership")]

    def __str__(self) -> str:
        return f"{self.user} in {self.room}"


class Attachment(models.Model):
    """A shared file, stored under a random name and served only to those who can read the room."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="attachments")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    file = models.FileField(upload_to="chat/%Y/%m/")
    name = models.CharField(
        max_length=200, help_text="The name it was uploaded with (shown, never used as a path)."
    )
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=100, help_text="Found from the content, not the name.")
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("attachment", kwargs={"pk": self.pk})

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class Message(models.Model):
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body = models.TextField(max_length=BODY_MAX, blank=True)
    attachment = models.OneToOneField(
        Attachment, on_delete=models.SET_NULL, null=True, blank=True, related_name="message"
    )
    client_id = models.CharField(
        max_length=64,
        null=True,
        blank=True,
        help_text="Chosen by the sending page: a resend stores nothing twice.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    seq = models.PositiveBigIntegerField(help_text="The room's change number of this message.")

    class Meta:
        ordering = ["seq"]
        indexes = [models.Index(fields=["room", "-seq"])]
        constraints = [
            models.UniqueConstraint(fields=["author", "client_id"], name="one_message_per_client_id")
        ]

    def __str__(self) -> str:
        return f"{self.author}: {self.body[:40]}"


class ReadPosition(models.Model):
    """How far a member has read in a room: the change number of the last message seen.
    It only ever moves forward."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="read_positions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    seq = models.PositiveBigIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["room", "user"], name="one_read_position")]

    def __str__(self) -> str:
        return f"{self.user} read {self.room} up to {self.seq}"
