"""A manager with two tabs clears the notifications in one; the other follows live, and so
does a third on a page with no live regions of its own (the chat rooms list)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from notifications import actions as notes
from notifications.models import Kind, Notification
from tests.browser.conftest import off_the_loop, open_as, shot

pytestmark = pytest.mark.browser


def test_mark_all_read_in_one_tab_clears_the_badge_in_the_other(
    browser: Any, start_server: Any, team: Any, manager: Any, alice: Any
) -> None:
    for title in ("Ship the release", "Book the venue", "Write the changelog"):
        off_the_loop(notes.notify, recipients=[manager.pk], kind=Kind.ASSIGNED, text=title, actor_id=alice.pk)
    server = start_server()
    first = open_as(browser, server, manager, f"/boards/{team.slug}/")
    second = open_as(browser, server, manager, "/")
    rooms = open_as(browser, server, manager, "/chat/")  # only the bell is live here
    for tab in (first, second, rooms):
        expect(tab.locator("#live-status[data-state=live] .live-now")).to_be_visible(timeout=10_000)
        expect(tab.locator("#notif-badge")).to_have_attribute("data-count", "3")
    second.evaluate("window.notReloaded = true")

    first.click("#notif-menu summary")
    expect(first.locator("#notif-list li[id^=notif-]")).to_have_count(3)
    shot(first, "notifications-open")
    first.get_by_role("button", name="Mark all read").click()

    for tab in (second, rooms):
        expect(tab.locator("#notif-badge")).to_have_attribute("data-count", "0")
        expect(tab.locator("#notif-badge")).to_be_hidden()
    expect(first.locator("#notif-list")).to_contain_text("read Today")
    shot(first, "notifications-read")
    assert second.evaluate("window.notReloaded") is True
    assert Notification.objects.filter(read_at__isnull=True).count() == 0

    # A new one arrives in both tabs at once.
    alice_page = open_as(browser, server, alice, f"/boards/{team.slug}/")
    alice_page.fill("#id_title", "Review the budget")
    alice_page.select_option("#id_assignee", label="Maya")
    alice_page.click("#task-form button[type=submit]")
    for tab in (first, second, rooms):
        expect(tab.locator("#notif-badge")).to_have_attribute("data-count", "1")
    shot(rooms, "chat-rooms-bell")
    expect(first.locator("#notif-list li").first).to_contain_text("Alice assigned you ‘Review the budget’")
    assert first.errors == [] and second.errors == [] and rooms.errors == []
