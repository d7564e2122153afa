"""Keyboard focus after an action (issue 13, item 7): the card acted on moves or goes over the
socket, for everyone, and may be gone before the answer to the actor's request arrives; the
actor's focus lands on a note above the list the card was in ("“Bravo” is done."), so it never
falls to the page's body, and the next Tab reaches the list's first card."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tasks import actions
from tests.browser.conftest import off_the_loop, open_as, shot

pytestmark = pytest.mark.browser

LIVE = "#live-status[data-state=live] .live-now"


def test_focus_stays_on_the_list_after_complete_reopen_and_delete(
    browser: Any, start_server: Any, team: Any, alice: Any
) -> None:
    for title in ("Alpha", "Bravo", "Charlie"):  # listed newest first: Charlie, Bravo, Alpha
        off_the_loop(actions.task_create, board=team, by=alice, title=title)
    server = start_server()
    page = open_as(browser, server, alice, f"/boards/{team.slug}/", width=390, height=844)
    expect(page.locator(LIVE)).to_be_visible(timeout=10_000)
    done, open_note, done_note = f"#board-{team.pk}-done", "#board-note-open p", "#board-note-done p"

    page.get_by_role("button", name="Complete “Bravo”").focus()
    page.keyboard.press("Space")
    expect(page.locator(done)).to_contain_text("Bravo")
    expect(page.locator(open_note)).to_have_text("“Bravo” is done.")
    expect(page.locator(open_note)).to_be_focused()
    page.keyboard.press("Tab")  # on into the list
    expect(page.get_by_role("button", name="Complete “Charlie”")).to_be_focused()

    page.keyboard.press("Enter")
    expect(page.locator(done)).to_contain_text("Charlie")
    expect(page.locator(open_note)).to_have_text("“Charlie” is done.")
    expect(page.locator(open_note)).to_be_focused()

    page.get_by_role("button", name="Reopen “Bravo”").focus()
    page.keyboard.press("Enter")
    expect(page.locator(done_note)).to_have_text("“Bravo” is open again.")
    expect(page.locator(done_note)).to_be_focused()

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Delete “Charlie”").focus()
    page.keyboard.press("Enter")
    expect(page.locator(done)).not_to_contain_text("Charlie")
    expect(page.locator(done_note)).to_have_text("“Charlie” was deleted.")
    expect(page.locator(done_note)).to_be_focused()
    shot(page, "phone-390-board-focus-after-delete")
    assert page.errors == []
