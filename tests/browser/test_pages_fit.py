"""Rough edges a newcomer hit (issue 13, items 6-9) in a real browser: panels that fit a phone
and close like panels, a skip link, long words that wrap, a notification's task shown."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from chat.models import Room
from notifications import actions as notes
from notifications.models import Kind
from tasks import actions
from tests.browser.conftest import off_the_loop, open_as, shot

pytestmark = pytest.mark.browser

LIVE = "#live-status[data-state=live] .live-now"
LONG = "Supercalifragilistic" * 8 + "expialidocious"  # 174 characters, no space to break at


def fits(page: Any, selector: str, width: int) -> None:
    box = page.locator(selector).bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, box


def no_sideways_scroll(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("width", [320, 390])
def test_the_bell_panel_fits_a_phone_and_closes_with_escape_or_a_click_outside(
    browser: Any, start_server: Any, team: Any, alice: Any, bob: Any, width: int
) -> None:
    off_the_loop(notes.notify, recipients=[alice.pk], kind=Kind.ASSIGNED, text=LONG, actor_id=bob.pk)
    server = start_server()
    page = open_as(browser, server, alice, f"/boards/{team.slug}/", width=width, height=800)
    expect(page.locator(LIVE)).to_be_visible(timeout=10_000)
    panel = page.locator("#notif-panel")

    page.click("#notif-menu > button")
    expect(panel).to_be_visible()
    fits(page, "#notif-panel", width)
    fits(page, "#notif-list li", width)  # a long title wraps inside it
    shot(page, f"phone-{width}-bell")
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()

    page.click("#notif-menu > button")
    expect(panel).to_be_visible()
    page.mouse.click(width // 2, 700)  # outside the panel
    expect(panel).to_be_hidden()
    assert page.errors == []


def test_every_page_has_a_skip_link_to_its_content(
    browser: Any, start_server: Any, team: Any, alice: Any
) -> None:
    room = Room.objects.get(board=team)
    server = start_server()
    for path in (
        "/",
        f"/boards/{team.slug}/",
        "/activity/",
        "/notifications/",
        "/chat/",
        f"/chat/{room.slug}/",
    ):
        page = open_as(browser, server, alice, path)
        skip = page.get_by_role("link", name="Skip to content")
        # the first thing in the page's tab order (pages with an autofocused field start there)
        assert page.evaluate("document.body.firstElementChild.textContent") == "Skip to content", path
        expect(skip).not_to_be_in_viewport()
        skip.focus()
        expect(skip).to_be_in_viewport()
        page.keyboard.press("Enter")
        assert page.evaluate("location.hash") == "#live-page", path
        page.context.close()


def test_long_words_wrap_on_the_board_and_in_chat_at_390(
    browser: Any, start_server: Any, team: Any, alice: Any
) -> None:
    room = Room.objects.get(board=team)
    off_the_loop(actions.task_create, board=team, by=alice, title=LONG, description=LONG)
    server = start_server()
    board = open_as(browser, server, alice, f"/boards/{team.slug}/", width=390, height=844)
    expect(board.locator(LIVE)).to_be_visible(timeout=10_000)
    board.fill("#id_title", LONG)
    board.click("#task-form button[type=submit]")
    added = board.locator("#task-form [role=status]")
    expect(added).to_contain_text("Added")
    fits(board, "#task-form [role=status]", 390)
    for card in board.locator(f"#board-{team.pk}-open > li").all():
        box = card.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    no_sideways_scroll(board)
    shot(board, "phone-390-board-long-word")

    chat = open_as(browser, server, alice, f"/chat/{room.slug}/", width=390, height=844)
    expect(chat.locator(LIVE)).to_be_visible(timeout=10_000)
    chat.fill("#message", LONG)
    chat.keyboard.press("Enter")
    expect(chat.locator(f"#room-{room.pk}-messages")).to_contain_text(LONG[:40])
    no_sideways_scroll(chat)
    send = chat.locator(f"#room-{room.pk}-composer form.live-when-socket button[type=submit]")
    assert send.evaluate("b => b.getBoundingClientRect().height") < 50  # "Send" on one line
    shot(chat, "phone-390-chat-long-word")

    notifications = open_as(browser, server, alice, "/notifications/", width=390, height=844)
    no_sideways_scroll(notifications)
    shot(notifications, "phone-390-notifications")
    assert board.errors == [] and chat.errors == []


def test_a_task_opened_from_a_notification_is_shown(
    browser: Any, start_server: Any, team: Any, alice: Any
) -> None:
    task = off_the_loop(actions.task_create, board=team, by=alice, title="This one")
    other = off_the_loop(actions.task_create, board=team, by=alice, title="Not this one")
    server = start_server()
    page = open_as(browser, server, alice, f"/boards/{team.slug}/?task={task.pk}#task-{task.pk}")
    expect(page.locator(LIVE)).to_be_visible(timeout=10_000)  # the cards replaced by the snapshot

    outline = "element => getComputedStyle(element).outlineStyle"
    expect(page.locator(f"#task-{task.pk}")).to_be_visible()
    assert page.locator(f"#task-{task.pk}").evaluate(outline) == "solid"
    assert page.locator(f"#task-{other.pk}").evaluate(outline) == "none"
    shot(page, "board-target")
