"""A chat room through its socket, as the people in it see it."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from chat import actions
from chat.models import Message, ReadPosition, Room
from live.hub import Hub
from live.protocol import CloseCode
from tests.frames import by_id, next_frame, quiet

pytestmark = pytest.mark.django_db(transaction=True)
db = database_sync_to_async


@pytest.fixture
def fast(settings: Any) -> None:
    """Presence and typing on a short clock, so the tests need not wait for the real one."""
    settings.LIVE = {**settings.LIVE, "PRESENCE_GRACE": 1, "PRESENCE_CHECK": 1, "TYPING_EXPIRES": 1}


@pytest.fixture
def room(team: Any) -> Room:
    return Room.objects.get(board=team)


async def enter(connect: Any, room: Room, user: Any) -> Any:
    socket = await connect(f"/ws/chat/{room.slug}/", user)
    socket.snapshot = by_id(await next_frame(socket))
    return socket


async def frame_with(socket: Any, region: str, timeout: float = 5) -> Any:
    """The next update of ``region`` (updates of other regions are kept for later calls)."""
    stash = socket.__dict__.setdefault("stash", [])
    for index, frame in enumerate(stash):
        if region in frame:
            return stash.pop(index)[region]
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        left = deadline - asyncio.get_running_loop().time()
        assert left > 0, f"no update of {region}"
        frame = by_id(await socket.receive_from(timeout=left))
        if region in frame:
            return frame[region]
        stash.append(frame)


def say(text: str, client_id: str = "") -> str:
    return json.dumps({"action": "message.send", "message": text, "client_id": client_id, "HEADERS": {}})


async def test_history_on_connect_is_the_latest_50(connect: Any, room: Room, alice: Any) -> None:
    for i in range(55):
        await db(actions.message_send)(room=room, by=alice, body=f"m{i}")

    socket = await enter(connect, room, alice)

    shown = re.findall(r"m(\d+)", socket.snapshot[f"room-{room.pk}-messages"].text)
    assert [int(n) for n in shown] == list(range(5, 55))
    assert "Load older messages" in socket.snapshot[f"room-{room.pk}-messages"].text


async def test_three_people_chat_and_the_sender_gets_a_fresh_composer(
    connect: Any, room: Room, alice: Any, bob: Any, manager: Any
) -> None:
    sockets = [await enter(connect, room, user) for user in (alice, bob, manager)]

    await sockets[0].send_to(text_data=say("Hello both of you", "id-1"))

    composer = None
    for index, socket in enumerate(sockets):
        messages = await frame_with(socket, f"room-{room.pk}-messages")
        assert messages.swap == "beforeend" and "Hello both of you" in messages.text
        if index == 0:
            composer = await frame_with(socket, f"room-{room.pk}-composer")
    assert composer is not None and 'value=""' in composer.html and "id-1" not in composer.html
    assert await db(Message.objects.count)() == 1


async def test_a_message_posted_through_the_api_appears_live_in_the_room(
    connect: Any, room: Room, alice: Any, bob: Any
) -> None:
    watcher = await enter(connect, room, bob)

    def post() -> int:
        api = Client()
        api.force_login(alice)
        return api.post(
            f"/api/rooms/{room.slug}/messages/",
            {"body": "Posted by the API"},
            content_type="application/json",
        ).status_code

    assert await db(post)() == 201

    messages = await frame_with(watcher, f"room-{room.pk}-messages")
    assert messages.swap == "beforeend" and "Posted by the API" in messages.text and "Alice" in messages.text


async def test_a_resent_message_with_the_same_client_id_is_stored_once(
    connect: Any, room: Room, alice: Any, bob: Any
) -> None:
    sender, watcher = await enter(connect, room, alice), await enter(connect, room, bob)

    await sender.send_to(text_data=say("only once", "same-id"))
    await sender.send_to(text_data=say("only once", "same-id"))  # the queued copy after a reconnect

    assert "only once" in (await frame_with(watcher, f"room-{room.pk}-messages")).text
    assert await quiet(watcher, 0.5)
    assert await db(Message.objects.count)() == 1


@pytest.mark.parametrize(("text", "error"), [("", "Write something first."), ("x" * 4001, "at most 4000")])
async def test_empty_or_too_long_gets_an_inline_error_keeping_the_text(
    connect: Any, room: Room, alice: Any, text: str, error: str
) -> None:
    socket = await enter(connect, room, alice)

    await socket.send_to(text_data=say(text))

    composer = await frame_with(socket, f"room-{room.pk}-composer")
    assert error in composer.text and 'aria-invalid="true"' in composer.html
    assert f'value="{text}"' in composer.html
    assert await db(Message.objects.count)() == 0


async def test_typing_is_shown_to_the_others_only_and_cleared_by_the_server(
    fast: None, connect: Any, room: Room, alice: Any, bob: Any
) -> None:
    typist, reader = await enter(connect, room, alice), await enter(connect, room, bob)

    await typist.send_to(text_data=json.dumps({"action": "typing", "message": "Hel"}))

    assert (await frame_with(reader, f"typing-room-{room.pk}")).text == "Alice is typing…"
    assert (await frame_with(typist, f"typing-room-{room.pk}")).text == ""  # never yourself
    assert (await frame_with(reader, f"typing-room-{room.pk}")).text == ""  # gone after ~1 s, by itself


async def test_sending_clears_the_typing_indicator_at_once(
    connect: Any, room: Room, alice: Any, bob: Any
) -> None:
    typist, reader = await enter(connect, room, alice), await enter(connect, room, bob)
    await typist.send_to(text_data=json.dumps({"action": "typing"}))
    assert "Alice is typing" in (await frame_with(reader, f"typing-room-{room.pk}")).text

    await typist.send_to(text_data=say("done typing"))

    assert (await frame_with(reader, f"typing-room-{room.pk}", timeout=2)).text == ""


async def presence_updates(socket: Any, room: Room, seconds: float) -> list[str]:
    """Every "who is here" list ``socket`` receives within ``seconds``."""
    updates, end = [], asyncio.get_running_loop().time() + seconds
    while asyncio.get_running_loop().time() < end:
        if socket.output_queue.empty():
            await asyncio.sleep(0.05)
            continue
        frame = by_id(await socket.receive_from())
        if f"presence-room-{room.pk}" in frame:
            updates.append(frame[f"presence-room-{room.pk}"].text)
    return updates


async def test_presence_with_two_tabs_of_one_user(
    fast: None, connect: Any, room: Room, alice: Any, bob: Any
) -> None:
    watcher = await enter(connect, room, bob)
    tab1, tab2 = await enter(connect, room, alice), await enter(connect, room, alice)
    here = f"presence-room-{room.pk}"
    while "Alice" not in (await frame_with(watcher, here)).text:
        pass

    store, topic = (await Hub.current()).here.store, f"room.{room.pk}"

    await tab1.disconnect()
    after_one = await presence_updates(watcher, room, 3)  # longer than the grace period and a check
    still_here = await store.states(topic)
    await tab2.disconnect()
    in_the_grace = await store.states(topic)  # a reload's reconnect would land in this window
    after_both = await presence_updates(watcher, room, 4)

    assert alice.pk in still_here and all("Alice" in update for update in after_one)  # one tab left
    assert alice.pk in in_the_grace  # her last tab closed a moment ago: not gone yet
    assert after_both and "Alice" not in after_both[-1] and "Bob" in after_both[-1]
    assert alice.pk not in await store.states(topic)


async def test_read_position_is_monotonic_and_seen_by_follows_live(
    connect: Any, room: Room, alice: Any, bob: Any
) -> None:
    for text in ("one", "two", "three"):
        await db(actions.message_send)(room=room, by=alice, body=text)
    author, reader = await enter(connect, room, alice), await enter(connect, room, bob)

    await reader.send_to(text_data=json.dumps({"action": "read", "upto": 3}))
    seen = await frame_with(author, f"room-{room.pk}-seen")
    await reader.send_to(text_data=json.dumps({"action": "read", "upto": 1}))  # a late, older report

    assert seen.text == "Seen by Bob"
    assert await quiet(author, 0.5)
    assert await db(ReadPosition.objects.filter(user=bob).values_list("seq", flat=True).get)() == 3


async def test_a_private_room_refuses_outsiders_4403_and_nothing_leaks(
    connect: Any, alice: Any, bob: Any, mallory: Any
) -> None:
    secret = await db(actions.room_create)(by=alice, name="Secret", is_private=True, members=[bob])
    outsider = await connect(f"/ws/chat/{secret.slug}/", mallory)

    status = by_id(await outsider.receive_from())["live-status"]
    closed = await outsider.receive_output()
    await db(actions.message_send)(room=secret, by=alice, body="classified")

    assert status.attrs["data-state"] == "forbidden"
    assert closed == {"type": "websocket.close", "code": CloseCode.FORBIDDEN}
    assert await outsider.receive_nothing(timeout=0.5)  # the message reached nobody outside


async def test_a_shared_image_appears_live_with_its_preview(
    connect: Any, room: Room, alice: Any, bob: Any
) -> None:
    from tests.test_chat import png

    watcher = await enter(connect, room, bob)

    def share() -> int:
        client = Client()
        client.force_login(alice)
        file = SimpleUploadedFile("sunset.png", png(64, 48), content_type="image/png")
        return client.post(f"/chat/{room.slug}/files/", {"file": file, "caption": "Look"}).status_code

    assert await db(share)() == 200
    messages = await frame_with(watcher, f"room-{room.pk}-messages")

    [image] = re.findall(r"<img [^>]*>", messages.html)
    assert 'alt="sunset.png"' in image and 'width="64"' in image and 'height="48"' in image
    assert "Look" in messages.text and "sunset.png" in messages.text


@pytest.mark.parametrize(
    "frame",
    [
        {"action": "message.send", "message": ["a"]},
        {"action": "message.send", "message": "hi", "client_id": "x" * 100},
        {"action": "read"},
        {"action": "read", "upto": "three"},
        {"action": "read", "upto": -1},
        {"action": "chat.explode"},
    ],
)
async def test_malformed_chat_frames_change_nothing(
    connect: Any, room: Room, alice: Any, frame: dict[str, Any]
) -> None:
    socket = await enter(connect, room, alice)

    await socket.send_to(text_data=json.dumps(frame))

    assert "live-error" in by_id(await next_frame(socket))
    assert await db(Message.objects.count)() == 0
    assert await db(ReadPosition.objects.count)() == 0


async def test_flooding_the_room_is_warned_then_closed_4429(connect: Any, room: Room, alice: Any) -> None:
    socket = await enter(connect, room, alice)

    for i in range(40):
        await socket.send_to(text_data=say(f"spam {i}", f"s{i}"))
    codes, warned = [], False
    while not codes:
        message = await socket.receive_output(timeout=5)
        if message["type"] == "websocket.close":
            codes.append(message["code"])
        elif "slow down" in message.get("text", ""):
            warned = True

    assert codes == [CloseCode.TOO_MANY] and warned
    assert await db(Message.objects.count)() <= 11  # the burst got through, the flood did not


async def told_off(socket: Any, seconds: float) -> tuple[bool, bool]:
    """Within ``seconds``: was ``socket`` told to slow down, was it closed?"""
    warned = closed = False
    deadline = asyncio.get_running_loop().time() + seconds
    while (left := deadline - asyncio.get_running_loop().time()) > 0:
        try:
            message = await socket.receive_output(timeout=left)
        except TimeoutError:
            break
        closed = closed or message["type"] == "websocket.close"
        warned = warned or "slow down" in message.get("text", "")
    return warned, closed


async def test_a_reader_of_a_busy_room_is_never_told_to_slow_down(
    connect: Any, room: Room, alice: Any, bob: Any
) -> None:
    """60 messages arrive at once (a bot, an import through the API); the reader's page moves
    its read marker for each, sending 60 `read` frames. They are signals with a budget of their
    own: no "slow down", no close, and the read position still ends at the last message."""
    for i in range(60):
        await db(actions.message_send)(room=room, by=alice, body=f"burst {i}")
    reader = await enter(connect, room, bob)

    for upto in range(1, 61):
        await reader.send_to(text_data=json.dumps({"action": "read", "upto": upto}))

    assert await told_off(reader, 3) == (False, False)
    position = await db(ReadPosition.objects.get)(room=room, user=bob)
    assert position.seq == 60


async def test_signals_over_their_budget_keep_the_latest_for_later(
    connect: Any, room: Room, alice: Any, bob: Any, settings: Any
) -> None:
    """Past the signal budget (2 a second, bursts of 5 here) the latest `read` is kept and
    handled as soon as the budget allows: the position still reaches the last message."""
    settings.LIVE = {**settings.LIVE, "SIGNAL_RATE": (2.0, 5)}
    for i in range(12):
        await db(actions.message_send)(room=room, by=alice, body=f"burst {i}")
    reader = await enter(connect, room, bob)

    for upto in range(1, 13):
        await reader.send_to(text_data=json.dumps({"action": "read", "upto": upto}))

    async def position() -> int:
        return await db(
            lambda: ReadPosition.objects.filter(room=room, user=bob).values_list("seq", flat=True).first()
        )()

    for _ in range(40):
        if await position() == 12:
            break
        await asyncio.sleep(0.05)
    assert await position() == 12
    assert await told_off(reader, 0.5) == (False, False)


def who_is_idle(element: Any) -> dict[str, bool]:
    """name -> shown as idle, from a "who is here" list."""
    return {
        name: bool(idle)
        for name, idle in re.findall(
            r'<bdi class="truncate">([^<]*)</bdi>(<span[^>]*>idle</span>)?', element.html
        )
    }


async def test_someone_who_does_nothing_shows_as_idle_then_active_again(
    connect: Any, room: Room, alice: Any, bob: Any, settings: Any
) -> None:
    """Idle after LIVE_PRESENCE_IDLE without sending anything (1 s here), on everyone's list,
    by itself; active again as soon as they type."""
    settings.LIVE = {**settings.LIVE, "PRESENCE_IDLE": 1, "PRESENCE_CHECK": 1, "PRESENCE_REFRESH": 1}
    watcher = await enter(connect, room, bob)
    talker = await enter(connect, room, alice)
    here = f"presence-room-{room.pk}"

    states = {}
    while states.get("Alice") is not True:  # she arrives, then turns idle by herself
        states = who_is_idle(await frame_with(watcher, here, timeout=5))

    await talker.send_to(text_data=json.dumps({"action": "typing"}))
    while states.get("Alice") is not False:
        states = who_is_idle(await frame_with(watcher, here, timeout=5))
    assert states["Bob"] is True  # bob has still done nothing
