"""/notifications/ follows every change live (issue 13, item 4): its list is the live region
itself, so marking read in another tab and a new notification show without a reload."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from notifications import actions as notes
from notifications.models import Kind
from tests.browser.conftest import off_the_loop, open_as, shot

pytestmark = pytest.mark.browser

LIVE = "#live-status[data-state=live] .live-now"


def test_the_notifications_page_follows_marks_and_new_notifications(
    browser: Any, start_server: Any, team: Any, alice: Any, bob: Any
) -> None:
    for title in ("First", "Second"):
        off_the_loop(notes.notify, recipients=[alice.pk], kind=Kind.ASSIGNED, text=title, actor_id=bob.pk)
    server = start_server()
    page = open_as(browser, server, alice, "/notifications/", width=390, height=844)
    other = open_as(browser, server, alice, f"/boards/{team.slug}/")
    for tab in (page, other):
        expect(tab.locator(LIVE)).to_be_visible(timeout=10_000)
    listed = page.locator("main #notif-list")
    expect(listed.locator("li[id^=notif-]")).to_have_count(2)
    expect(listed.get_by_role("button", name="Mark read")).to_have_count(2)
    assert page.evaluate("document.querySelectorAll('[id^=notif-]').length") == len(
        set(page.evaluate("[...document.querySelectorAll('[id]')].map(e => e.id)"))
        & set(page.evaluate("[...document.querySelectorAll('[id^=notif-]')].map(e => e.id)"))
    )  # each notification once on the page

    other.click("#notif-menu > button")
    other.locator("#notif-panel").get_by_role("button", name="Mark all read").click()
    expect(listed.get_by_role("button", name="Mark read")).to_have_count(0)
    expect(listed).to_contain_text("read Today")

    board = open_as(browser, server, bob, f"/boards/{team.slug}/")  # a write the server hears of
    board.fill("#id_title", "Third")
    board.select_option("#id_assignee", label="Alice")
    board.click("#task-form button[type=submit]")
    expect(listed.locator("li[id^=notif-]").first).to_contain_text("Bob assigned you ‘Third’")
    expect(listed.get_by_role("button", name="Mark read")).to_have_count(1)
    shot(page, "phone-390-notifications-live")
    assert page.errors == [] and other.errors == []
