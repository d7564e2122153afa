"""A busy chat room (issue 13, item 5): the messages scroll in their own pane, which follows
new messages while the reader is at the bottom and keeps their place when they scrolled up;
the composer stays in view and "seen by" follows what is read."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from chat import actions
from chat.models import Room
from tests.browser.conftest import off_the_loop, open_as, shot

pytestmark = pytest.mark.browser

LIVE = "#live-status[data-state=live] .live-now"


def in_view(page: Any, selector: str) -> bool:
    """Whether the element's box is inside both the window and its scrolling pane."""
    return page.locator(selector).evaluate(
        """element => {
            const box = element.getBoundingClientRect();
            const pane = element.closest('.chat-log');
            const clip = pane ? pane.getBoundingClientRect() : {top: 0, bottom: innerHeight};
            return box.top >= Math.max(0, clip.top) - 1 && box.bottom <= Math.min(innerHeight, clip.bottom) + 1;
        }"""
    )


def send(page: Any, text: str) -> None:
    page.fill("#message", text)
    page.keyboard.press("Enter")
    expect(page.locator("#message")).to_have_value("")


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (390, 844)])
def test_the_room_follows_new_messages_and_keeps_a_readers_place(
    browser: Any, start_server: Any, team: Any, alice: Any, bob: Any, width: int, height: int
) -> None:
    room = Room.objects.get(board=team)
    for n in range(55):
        off_the_loop(actions.message_send, room=room, by=bob, body=f"Earlier message {n}")
    server = start_server()
    reader = open_as(browser, server, alice, f"/chat/{room.slug}/", width=width, height=height)
    writer = open_as(browser, server, bob, f"/chat/{room.slug}/")
    for page in (reader, writer):
        expect(page.locator(LIVE)).to_be_visible(timeout=10_000)
    messages = f"#room-{room.pk}-messages"

    # Opened at the newest message, the composer and the room's heading in view.
    assert in_view(reader, f"{messages} > li:last-child")
    assert in_view(reader, "#message") and in_view(reader, "#room-heading")
    expect(writer.locator(f"#room-{room.pk}-seen")).to_have_text(re.compile("Seen by Alice"))

    for n in range(5):
        send(writer, f"Burst {n}")
    expect(reader.locator(f"{messages} > li").last).to_contain_text("Burst 4")
    reader.wait_for_timeout(300)
    assert in_view(reader, f"{messages} > li:last-child"), "the newest message is in view"
    assert in_view(reader, "#message") and in_view(reader, "#room-heading"), "the page did not scroll"
    assert reader.evaluate("window.scrollY") == 0
    expect(writer.locator(f"#room-{room.pk}-seen")).to_have_text(re.compile("Seen by Alice"))
    # The reader is not told they have seen it themselves (the line is shared: CSS leaves them out).
    expect(reader.locator(f"#room-{room.pk}-seen")).to_have_text("", use_inner_text=True)
    shot(reader, f"chat-pane-{width}-following")

    # Scrolled up to read: new messages do not move what they are reading.
    pane = reader.locator(f"#room-{room.pk}-log")
    pane.evaluate("pane => { pane.scrollTop = -(pane.scrollHeight - pane.clientHeight) / 2 }")
    reading = reader.locator(f"{messages} > li").filter(has_text="Earlier message 30")
    reading.scroll_into_view_if_needed()
    top = reading.evaluate("element => element.getBoundingClientRect().top")
    send(writer, "While you were reading")
    expect(reader.locator(f"{messages} > li").last).to_contain_text("While you were reading")
    reader.wait_for_timeout(300)
    assert abs(reading.evaluate("element => element.getBoundingClientRect().top") - top) < 2
    assert not in_view(reader, f"{messages} > li:last-child")
    expect(writer.locator(f"#room-{room.pk}-seen")).to_have_text("")  # not read yet
    shot(reader, f"chat-pane-{width}-reading")

    # Back at the bottom: read, and "seen by" says so.
    pane.evaluate("pane => { pane.scrollTop = 0 }")
    expect(writer.locator(f"#room-{room.pk}-seen")).to_have_text(re.compile("Seen by Alice"))
    assert reader.errors == [] and writer.errors == []
