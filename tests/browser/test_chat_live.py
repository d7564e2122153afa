"""Two people chat in real browsers; markup from users stays text everywhere."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from chat import actions
from chat.models import Message, Room
from tests.browser.conftest import off_the_loop, open_as, shot

pytestmark = pytest.mark.browser

XSS = '<img src=x onerror="window.hacked=1"><script>window.hacked=1</script>'


def test_two_people_chat_with_typing_and_presence(
    browser: Any, start_server: Any, team: Any, alice: Any, bob: Any
) -> None:
    room = Room.objects.get(board=team)
    server = start_server(LIVE_HEARTBEAT="1", LIVE_TYPING_EXPIRES="2")
    mine, theirs = (
        open_as(browser, server, alice, f"/chat/{room.slug}/"),
        open_as(browser, server, bob, f"/chat/{room.slug}/"),
    )
    for page in (mine, theirs):
        expect(page.locator("#live-status[data-state=live] .live-now")).to_be_visible(timeout=10_000)
    for page in (mine, theirs):
        expect(page.locator(f"#presence-room-{room.pk}")).to_contain_text("Alice", timeout=5000)
        expect(page.locator(f"#presence-room-{room.pk}")).to_contain_text("Bob", timeout=5000)

    mine.locator("#message").press_sequentially("Morning @bob, the build is green", delay=20)
    expect(theirs.locator(f"#typing-room-{room.pk}")).to_have_text("Alice is typing…")
    expect(mine.locator(f"#typing-room-{room.pk}")).to_have_text("")
    shot(theirs, "chat-typing")
    mine.locator("#message").press("Enter")

    expect(theirs.locator(f"#room-{room.pk}-messages li").last).to_contain_text(
        "Morning @bob, the build is green"
    )
    expect(mine.locator("#message")).to_have_value("")
    expect(mine.locator("#message")).to_be_focused()
    expect(theirs.locator(f"#typing-room-{room.pk}")).to_have_text("")
    expect(mine.locator(f"#room-{room.pk}-seen")).to_have_text(re.compile("Seen by Bob"))

    theirs.locator("#message").press_sequentially("On it", delay=20)  # typed, so Alice sees it
    expect(mine.locator(f"#typing-room-{room.pk}")).to_have_text("Bob is typing…")
    expect(theirs.locator(f"#typing-room-{room.pk}")).to_have_text("")
    theirs.locator("#message").press("Enter")
    expect(mine.locator(f"#room-{room.pk}-messages li").last).to_contain_text("On it")
    expect(mine.locator(f"#typing-room-{room.pk}")).to_have_text("")
    expect(mine.locator("#notif-badge")).to_have_attribute("data-count", "0")
    expect(theirs.locator("#notif-badge")).to_have_attribute("data-count", "1")  # the mention
    shot(mine, "chat")
    assert Message.objects.count() == 2
    assert mine.errors == [] and theirs.errors == []


def test_markup_from_users_renders_as_text_everywhere(
    browser: Any, start_server: Any, team: Any, alice: Any, bob: Any, tmp_path: Any
) -> None:
    board_room = Room.objects.get(board=team)
    hostile = off_the_loop(actions.room_create, by=alice, name=XSS[:80], is_private=True, members=[bob])
    server = start_server()
    mine = open_as(browser, server, alice, f"/chat/{hostile.slug}/")
    theirs = open_as(browser, server, bob, f"/chat/{hostile.slug}/")
    board = open_as(browser, server, bob, f"/boards/{team.slug}/")
    for page in (mine, theirs, board):
        expect(page.locator("#live-status[data-state=live] .live-now")).to_be_visible(timeout=10_000)

    mine.locator("#message").fill(XSS)
    mine.locator("#message").press("Enter")
    hostile_file = tmp_path / '<img src=x onerror="window.hacked=1">.txt'
    hostile_file.write_text("plain text")
    mine.set_input_files("#id_file", str(hostile_file))
    mine.click(f"#room-{hostile.pk}-upload button")
    board_page = open_as(browser, server, alice, f"/boards/{team.slug}/")
    board_page.fill("#id_title", XSS[:200])
    board_page.fill("#id_description", XSS)
    board_page.click("#task-form button[type=submit]")

    # The message (over the socket) and the file (over HTTP) may commit in either order.
    items = theirs.locator(f"#room-{hostile.pk}-messages li")
    expect(items).to_have_count(2)
    expect(items.filter(has_text=XSS)).to_have_count(1)
    # (Chromium sends the file name's quotes as %22; the rest arrives as typed.)
    expect(items.filter(has_text=re.compile(r"<img src=x onerror=.*\.txt"))).to_have_count(1)
    expect(theirs.locator("h1")).to_contain_text(XSS[:80])
    expect(board.locator(f"#board-{team.pk}-open li").first).to_contain_text(XSS[:200])
    shot(theirs, "xss-chat")
    for page in (mine, theirs, board, board_page):
        assert page.evaluate("window.hacked") is None
        assert page.locator("img[src=x]").count() == 0 and page.locator("main script").count() == 0
    assert board_room.pk != hostile.pk


def test_a_file_the_server_refuses_outright_says_why_and_keeps_the_form(
    browser: Any, start_server: Any, team: Any, alice: Any, tmp_path: Any
) -> None:
    """Over MAX_REQUEST_BYTES the server answers 413 before reading the body; the page shows
    the reason in its alert region and the upload form stays as it was, ready for another."""
    from chat.models import Attachment

    room = Room.objects.get(board=team)
    server = start_server(CHAT_MAX_UPLOAD_BYTES="1000", MAX_REQUEST_BYTES="4000")
    page = open_as(browser, server, alice, f"/chat/{room.slug}/")
    expect(page.locator("#live-status[data-state=live] .live-now")).to_be_visible(timeout=10_000)
    big = tmp_path / "big.txt"
    big.write_text("a" * 10_000)

    page.set_input_files("#id_file", str(big))
    page.click(f"#room-{room.pk}-upload button")

    expect(page.locator("#live-error[role=alert]")).to_contain_text("larger than this server accepts")
    expect(page.locator(f"#room-{room.pk}-upload button")).to_be_enabled()
    expect(page.locator("#id_file")).to_be_visible()
    shot(page, "upload-refused")
    assert not Attachment.objects.exists()
    assert [e for e in page.errors if "413" not in e] == []  # (Chromium logs the refused request)
