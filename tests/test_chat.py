"""Chat: rooms, messages, read positions, mentions, uploads, pages and the REST API."""

from __future__ import annotations

import contextlib
import io
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections
from django.test import Client
from PIL import Image
from rest_framework.test import APIClient

from chat import actions, files
from chat.models import Attachment, Message, ReadPosition, Room
from notifications.models import Kind, Notification

pytestmark = pytest.mark.django_db


def declared_png(width: int, height: int) -> bytes:
    """A PNG whose header declares ``width`` x ``height`` pixels (with no pixel data)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b"")


def png(width: int = 4, height: int = 3) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 40, 40)).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def room(team: Any) -> Room:
    """The team board's room (every board has one)."""
    return Room.objects.get(board=team)


@pytest.fixture
def secret(alice: Any, bob: Any) -> Room:
    return actions.room_create(by=alice, name="Secret plans", is_private=True, members=[bob])


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- rooms and messages ----------------------------------------------------------------------


def test_every_board_has_a_room_open_to_exactly_who_sees_the_board(
    team: Any, private: Any, alice: Any, mallory: Any
) -> None:
    from chat.permissions import can_read

    team_room, private_room = Room.objects.get(board=team), Room.objects.get(board=private)

    assert (can_read(mallory, team_room), can_read(mallory, private_room)) == (True, False)
    assert can_read(alice, private_room)


def test_private_rooms_are_for_members_and_a_member_added_later_sees_the_history(
    secret: Room, alice: Any, bob: Any, mallory: Any
) -> None:
    from chat.permissions import can_read

    actions.message_send(room=secret, by=alice, body="before mallory")
    assert not can_read(mallory, secret)
    with pytest.raises(PermissionDenied):
        actions.message_send(room=secret, by=mallory, body="let me in")

    actions.room_invite(room=secret, by=bob, user=mallory)

    page = client_for(mallory).get(f"/chat/{secret.slug}/").content.decode()
    assert "before mallory" in page


def test_inviting_from_the_room_page(secret: Room, alice: Any, bob: Any, mallory: Any, manager: Any) -> None:
    """A member picks someone not in the room yet; a stale or forged choice says why and
    changes nothing; an outsider cannot invite at all."""
    page = client_for(alice).get(f"/chat/{secret.slug}/").content.decode()
    invite_choices = re.search(r'<select name="user".*?</select>', page, re.S).group(0)
    assert "Mallory" in invite_choices and "Bob" not in invite_choices  # bob is a member already

    refused = client_for(alice).post(f"/chat/{secret.slug}/invite/", {"user": bob.pk})
    assert refused.status_code == 422
    assert "cannot be invited" in refused.content.decode()
    outsider = client_for(manager).post(f"/chat/{secret.slug}/invite/", {"user": manager.pk})
    assert outsider.status_code == 404
    assert set(secret.members.values_list("username", flat=True)) == {"alice", "bob"}

    done = client_for(alice).post(f"/chat/{secret.slug}/invite/", {"user": mallory.pk})
    assert done.status_code == 302
    assert secret.members.filter(pk=mallory.pk).exists()


def test_send_orders_by_the_rooms_change_number_and_a_resend_is_stored_once(room: Room, alice: Any) -> None:
    first = actions.message_send(room=room, by=alice, body="one", client_id="c1")
    again = actions.message_send(room=room, by=alice, body="one", client_id="c1")  # reconnect resend
    second = actions.message_send(room=room, by=alice, body="two", client_id="c1")  # id reused: still kept

    assert again.pk == first.pk
    assert list(Message.objects.values_list("body", "seq")) == [("one", 1), ("two", 2)]
    assert second.client_id is None


@pytest.mark.parametrize("body", ["", "   ", "x" * 4001])
def test_a_body_must_be_1_to_4000_characters(room: Room, alice: Any, body: str) -> None:
    with pytest.raises(ValidationError):
        actions.message_send(room=room, by=alice, body=body)
    assert not Message.objects.exists()


def test_the_composer_keeps_a_paste_within_the_limit(room: Room, alice: Any) -> None:
    """The page's boxes stop at 4000 characters: a pasted novel never reaches the socket as a
    frame over the cap (which would end the live connection instead of saying what is wrong)."""
    client = Client()
    client.force_login(alice)
    page = client.get(f"/chat/{room.slug}/").content.decode()
    for box in ('id="message"', 'id="message-http"', 'id="id_caption"'):
        tag = page[page.rindex("<input", 0, page.index(box)) : page.index(">", page.index(box))]
        assert 'maxlength="4000"' in tag, box


def test_read_position_only_moves_forward_and_never_past_the_newest(room: Room, alice: Any, bob: Any) -> None:
    for text in ("a", "b", "c"):
        actions.message_send(room=room, by=bob, body=text)

    assert actions.read_upto(room=room, user=alice, seq=2) == 2
    assert actions.read_upto(room=room, user=alice, seq=1) == 2  # an old report arriving late
    assert actions.read_upto(room=room, user=alice, seq=99) == 3
    assert ReadPosition.objects.get(user=alice).seq == 3


def test_mentions_notify_members_of_the_room_only(
    secret: Room, alice: Any, bob: Any, mallory: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        actions.message_send(room=secret, by=alice, body="@bob and @mallory, look! @alice too")

    assert list(Notification.objects.values_list("recipient__username", "kind")) == [("bob", Kind.MENTION)]


def test_a_message_publishes_to_its_room_after_commit(
    room: Room, alice: Any, published: list, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        message = actions.message_send(room=room, by=alice, body="hi")

    assert published == [
        (f"room.{room.pk}", {"kind": "message.created", "room": room.pk, "message": message.pk, "seq": 1}),
        (f"room.{room.pk}", {"kind": "typing.stop", "user": alice.pk}),
    ]


# --- uploads ---------------------------------------------------------------------------------


def upload(
    client: Client, room: Room, name: str, content: bytes, content_type: str = "application/octet-stream"
) -> Any:
    return client.post(
        f"/chat/{room.slug}/files/",
        {"file": SimpleUploadedFile(name, content, content_type=content_type)},
        HTTP_HX_REQUEST="true",
    )


def test_a_good_image_is_stored_under_a_random_name_with_its_size(room: Room, alice: Any) -> None:
    response = upload(client_for(alice), room, "../../holiday photo.png", png(40, 30), "image/png")

    assert response.status_code == 200 and "Shared." in response.content.decode()
    attachment = Attachment.objects.get()
    assert (attachment.name, attachment.content_type, attachment.width, attachment.height) == (
        "holiday photo.png",
        "image/png",
        40,
        30,
    )
    assert ".." not in attachment.file.name and "holiday" not in attachment.file.name
    assert attachment.file.name.startswith("chat/") and attachment.file.name.endswith(".png")
    assert Message.objects.get().attachment == attachment


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("x.html", b"<!DOCTYPE html><script>alert(1)</script>", "Only images"),
        ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "Only images"),
        ("photo.png", b"<html><body>not an image</body></html>", "Only images"),
        ("../../x.html", b"<html><script>alert(1)</script></html>", "Only images"),
        ("fake.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "damaged"),
        ("no-pixels.png", declared_png(40, 30), "damaged"),  # a header and no image data
        ("binary.bin", b"\x00\x01\x02\x03" * 10, "Only images"),
        ("empty.txt", b"", "empty"),
    ],
)
def test_refused_uploads_say_why_and_store_nothing(
    room: Room, alice: Any, name: str, content: bytes, reason: str
) -> None:
    response = upload(client_for(alice), room, name, content, "image/png")

    assert response.status_code == 422
    assert reason in response.content.decode()
    assert not Attachment.objects.exists() and not Message.objects.exists()


def test_uploads_over_the_cap_are_refused(room: Room, alice: Any, settings: Any) -> None:
    settings.CHAT_MAX_UPLOAD_BYTES = 1024
    response = upload(client_for(alice), room, "big.txt", b"a" * 2048, "text/plain")
    assert response.status_code == 422 and "larger than" in response.content.decode()
    assert not Attachment.objects.exists()


def test_plain_text_and_pdf_are_accepted_by_their_content(room: Room, alice: Any) -> None:
    client = client_for(alice)
    assert upload(client, room, "notes", "plain notes ✓".encode(), "application/x-evil").status_code == 200
    assert upload(client, room, "report.pdf", b"%PDF-1.7\n...", "text/html").status_code == 200
    assert sorted(Attachment.objects.values_list("content_type", flat=True)) == [
        "application/pdf",
        "text/plain",
    ]


def test_files_are_served_only_to_readers_of_their_room(secret: Room, alice: Any, mallory: Any) -> None:
    upload(client_for(alice), secret, "plan.png", png(), "image/png")
    attachment = Attachment.objects.get()

    mine = client_for(alice).get(f"/chat/files/{attachment.pk}/")
    theirs = client_for(mallory).get(f"/chat/files/{attachment.pk}/")
    download = client_for(alice).get(f"/chat/files/{attachment.pk}/?download=1")

    assert mine.status_code == 200 and mine["Content-Type"] == "image/png"
    assert "sandbox" in mine["Content-Security-Policy"]
    assert theirs.status_code == 404  # like a file that does not exist
    assert client_for(mallory).get("/chat/files/999999/").status_code == 404
    assert download["Content-Disposition"].startswith("attachment")
    assert Client().get(f"/chat/files/{attachment.pk}/").status_code == 302  # to the login page


def test_uploading_into_another_users_private_room_is_refused(secret: Room, mallory: Any) -> None:
    assert upload(client_for(mallory), secret, "x.png", png(), "image/png").status_code == 404
    assert not Attachment.objects.exists()


@pytest.mark.parametrize("side", [100_000, 8_000])  # Pillow's bomb refusal, and our own limit
def test_an_image_declaring_too_many_pixels_is_refused_like_any_oversized_one(
    room: Room, alice: Any, side: int
) -> None:
    response = upload(client_for(alice), room, "bomb.png", declared_png(side, side), "image/png")

    assert response.status_code == 422
    assert "The image is too large in pixels." in response.content.decode()
    assert not Attachment.objects.exists() and not Message.objects.exists()


def test_text_whose_multibyte_character_crosses_the_sample_end_is_text(room: Room, alice: Any) -> None:
    """The 64 KiB sample cuts the Uzbek ʻ (2 bytes) or an emoji (4 bytes) in two: still text."""
    for cut in ("ʻ", "😀"):
        content = b"a" * (files.TEXT_SAMPLE_BYTES - 1) + (cut * 100).encode()
        checked = files.check(SimpleUploadedFile("notes.txt", content, content_type="text/plain"))
        assert checked.content_type == "text/plain"
    response = upload(client_for(alice), room, "notes", b"a" * 65535 + "ʻ".encode() * 10, "text/plain")
    assert response.status_code == 200 and Attachment.objects.get().content_type == "text/plain"
    # ... while bytes that are not UTF-8 before the end still are not
    with pytest.raises(files.Refused):
        files.check(SimpleUploadedFile("x.txt", b"a" * 100 + b"\xff\xfe" + b"a" * 70000))


def test_file_check_reads_content_not_names() -> None:
    assert (
        files.check(SimpleUploadedFile("a.txt", png(), content_type="text/plain")).content_type == "image/png"
    )
    with pytest.raises(files.Refused):
        files.check(SimpleUploadedFile("a.png", b"GIF89a" + b"\x00" * 20, content_type="image/png"))


# --- pages --------------------------------------------------------------------------------------


def test_room_page_shows_history_composer_and_regions(room: Room, alice: Any, bob: Any) -> None:
    actions.message_send(room=room, by=bob, body="Hi <b>there</b> @alice")

    html = client_for(alice).get(f"/chat/{room.slug}/").content.decode()

    for region in (
        f"room-{room.pk}-messages",
        f"room-{room.pk}-seen",
        f"room-{room.pk}-read",
        f"presence-room-{room.pk}",
        f"typing-room-{room.pk}",
        f"room-{room.pk}-composer",
    ):
        assert f'id="{region}"' in html, region
    assert "Hi &lt;b&gt;there&lt;/b&gt;" in html and "<b>there</b>" not in html
    assert f'ws-connect="/ws/chat/{room.slug}/"' in html


def test_load_older_messages(room: Room, alice: Any) -> None:
    for i in range(120):
        actions.message_send(room=room, by=alice, body=f"m{i}")
    client = client_for(alice)

    page = client.get(f"/chat/{room.slug}/").content.decode()
    older = client.get(f"/chat/messages/{room.pk}/?before=71", HTTP_HX_REQUEST="true").content.decode()
    oldest = client.get(f"/chat/messages/{room.pk}/?before=21", HTTP_HX_REQUEST="true").content.decode()

    def shown(html: str) -> set[int]:
        return {int(n) for n in re.findall(r">m(\d+)</p>", html)}

    assert shown(page) == set(range(70, 120)) and "?before=71" in page  # the latest 50
    assert shown(older) == set(range(20, 70)) and "?before=21" in older
    assert shown(oldest) == set(range(20)) and "?before=" not in oldest


def test_create_a_private_room_from_the_page(alice: Any, bob: Any) -> None:
    response = client_for(alice).post(
        "/chat/", {"name": "Launch crew", "is_private": "on", "members": [bob.pk]}
    )

    room = Room.objects.get(name="Launch crew")
    assert response.status_code == 302 and response["Location"] == f"/chat/{room.slug}/"
    assert set(room.members.values_list("username", flat=True)) == {"alice", "bob"}
    assert client_for(alice).post("/chat/", {"name": ""}).status_code == 422


def test_room_list_shows_only_readable_rooms(secret: Room, mallory: Any, team: Any) -> None:
    html = client_for(mallory).get("/chat/").content.decode()
    assert "Secret plans" not in html and "Team board" in html
    assert client_for(mallory).get(f"/chat/{secret.slug}/").status_code == 404


# --- REST API ----------------------------------------------------------------------------------


def test_api_rooms_and_messages(room: Room, secret: Room, alice: Any, mallory: Any) -> None:
    api = APIClient()
    api.force_authenticate(mallory)

    assert secret.slug not in [r["slug"] for r in api.get("/api/rooms/").data["results"]]
    assert api.get(f"/api/rooms/{secret.slug}/messages/").status_code == 404
    assert api.post(f"/api/rooms/{secret.slug}/messages/", {"body": "hi"}, format="json").status_code == 404
    sent = api.post(f"/api/rooms/{room.slug}/messages/", {"body": "via api", "client_id": "k"}, format="json")
    assert sent.status_code == 201 and sent.data["body"] == "via api"
    again = api.post(
        f"/api/rooms/{room.slug}/messages/", {"body": "via api", "client_id": "k"}, format="json"
    )
    assert again.data["id"] == sent.data["id"]
    assert [m["body"] for m in api.get(f"/api/rooms/{room.slug}/messages/").data["results"]] == ["via api"]
    assert api.post(f"/api/rooms/{room.slug}/messages/", {"body": ""}, format="json").status_code == 400
    assert (
        api.post(f"/api/rooms/{room.slug}/messages/", {"body": "x" * 4001}, format="json").status_code == 400
    )
    created = api.post("/api/rooms/", {"name": "Ops", "is_private": True}, format="json")
    assert created.status_code == 201 and created.data["slug"] == "ops"
    assert api.post(f"/api/rooms/{room.slug}/read/", {"upto": 1}, format="json").data == {"upto": 1}
    assert api.post(f"/api/rooms/{room.slug}/read/", {"upto": 0}, format="json").data == {"upto": 1}
    assert api.post(f"/api/rooms/{room.slug}/read/", {"upto": "x"}, format="json").status_code == 400
    assert api.get(f"/api/rooms/{room.slug}/read/").data == {"upto": 1}


def test_a_message_body_is_always_text(room: Room, alice: Any) -> None:
    from chat.live import message_item

    message = actions.message_send(room=room, by=alice, body="<img src=x onerror=alert(1)>")
    html = message_item(message)
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "<img src=x" not in html


@pytest.mark.django_db(transaction=True)
def test_two_resends_at_the_same_moment_store_one_message(team: Any, alice: Any, monkeypatch: Any) -> None:
    """Both pass the "sent already?" check before either has stored it: the database's unique
    (author, client_id) keeps one, and the second gets that one back instead of an error."""
    room = Room.objects.get(board=team)
    both_checked = threading.Barrier(2, timeout=10)
    post = actions._post

    def post_when_both_have_checked(*args: Any) -> Any:
        with contextlib.suppress(threading.BrokenBarrierError):
            both_checked.wait()
        return post(*args)

    monkeypatch.setattr(actions, "_post", post_when_both_have_checked)

    def resend() -> int:
        try:
            return actions.message_send(room=room, by=alice, body="Sent twice", client_id="twin").pk
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda _: resend(), range(2)))

    assert results[0] == results[1]
    assert list(Message.objects.values_list("body", "client_id")) == [("Sent twice", "twin")]
