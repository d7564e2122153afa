"""axe-core on every live page, after live updates arrived: no serious or critical violation.
Also: the live regions are announced politely, and the pages work from the keyboard."""

from __future__ import annotations

from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from chat.models import Room
from notifications import actions as notes
from notifications.models import Kind
from tests.browser.conftest import off_the_loop, open_as, shot

pytestmark = pytest.mark.browser

SERIOUS = {"serious", "critical"}


def violations(page: Any) -> list[dict[str, Any]]:
    """axe's findings on ``page``, printed in full (moderate and minor ones too)."""
    found = Axe().run(page).response["violations"]
    for violation in found:
        nodes = [node["target"] for node in violation["nodes"]][:5]
        print(f"axe {violation['impact']}: {violation['id']} ({violation['help']}) at {nodes}")
    return found


@pytest.mark.parametrize("language", ["en", "uz"])
@pytest.mark.parametrize("page_name", ["board", "home", "notifications", "chat"])
def test_no_serious_or_critical_violations(
    browser: Any, start_server: Any, team: Any, alice: Any, bob: Any, page_name: str, language: str
) -> None:
    off_the_loop(
        notes.notify, recipients=[alice.pk], kind=Kind.ASSIGNED, text="Ship the release", actor_id=bob.pk
    )
    room = Room.objects.get(board=team)
    path = {
        "board": f"/boards/{team.slug}/",
        "home": "/",
        "notifications": "/notifications/",
        "chat": f"/chat/{room.slug}/",
    }[page_name]
    server = start_server()
    page = open_as(browser, server, alice, path, language=language)
    expect(page.locator("#live-status[data-state=live] .live-now")).to_be_visible(timeout=10_000)
    if page_name == "board":
        page.fill("#id_title", "Book the venue")
        page.click("#task-form button[type=submit]")
        expect(page.locator(f"#board-{team.pk}-open")).to_contain_text("Book the venue")
    if page_name == "chat":
        page.fill("#message", "Hello @bob")
        page.keyboard.press("Enter")
        expect(page.locator(f"#room-{room.pk}-messages")).to_contain_text("Hello @bob")
    page.click("#notif-menu > button")  # the panel open, so it is checked too
    shot(page, f"axe-{page_name}-{language}")

    # axe judges the real styles: the built Tailwind CSS is there (the page background is set)
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") != "rgba(0, 0, 0, 0)"
    serious = [v["id"] for v in violations(page) if v["impact"] in SERIOUS]
    assert serious == []
    assert page.errors == []


def test_the_board_works_from_the_keyboard_and_says_what_changed(
    browser: Any, start_server: Any, team: Any, alice: Any
) -> None:
    """Create a task and complete it with the keyboard alone; the screen-reader regions say
    the connection is live and what happened."""
    server = start_server()
    page = open_as(browser, server, alice, f"/boards/{team.slug}/")
    expect(page.locator("#live-announce")).to_have_text("Live updates are on.", timeout=10_000)

    page.locator("#id_title").focus()
    page.keyboard.type("Book the venue")
    page.keyboard.press("Enter")
    card = page.locator(f"#board-{team.pk}-open li").first
    expect(card).to_contain_text("Book the venue")
    expect(page.locator("#id_title")).to_be_focused()  # the fresh form keeps the keyboard here

    complete = card.get_by_role("button", name="Complete “Book the venue”")
    for _ in range(40):  # Tab along the page until the card's own button has the focus
        page.keyboard.press("Tab")
        if complete.evaluate("element => element === document.activeElement"):
            break
    expect(complete).to_be_focused()
    page.keyboard.press("Space")
    expect(page.locator(f"#board-{team.pk}-done")).to_contain_text("Book the venue")

    feed = page.locator(f"[aria-live=polite] #board-{team.pk}-activity")
    expect(feed.locator("li").first).to_contain_text("Alice completed ‘Book the venue’")
    assert page.errors == []
