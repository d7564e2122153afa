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

    first.click("#notif-menu > button")
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


@pytest.mark.parametrize("socket", ["live", "blocked"])
def test_opening_a_notification_by_keyboard_marks_it_read_and_leads_to_the_task(
    browser: Any, start_server: Any, team: Any, manager: Any, alice: Any, socket: str, htmx_version: int
) -> None:
    """The panel's link is an htmx POST (a GET of its address changes nothing): Enter on it
    marks the notification read and opens the task, with the socket and without it (a
    proxy that refuses WebSocket upgrades), on a phone-sized screen."""
    from tasks import actions as task_actions
    from tests.proxy import UpgradeBlockingProxy

    task = off_the_loop(task_actions.task_create, board=team, by=alice, title="Open me", assignee=manager)
    note = Notification.objects.get(recipient=manager)
    server = start_server()
    proxy = UpgradeBlockingProxy(server.port) if socket == "blocked" else None
    try:
        page = open_as(browser, proxy or server, manager, "/chat/", width=390, height=800)
        expect(page.locator("#notif-badge")).to_have_attribute("data-count", "1")
        page.click("#notif-menu > button")
        link = page.locator(f"#notif-{note.pk} a")
        expect(link).to_have_attribute("href", f"/boards/{team.slug}/?task={task.pk}#task-{task.pk}")
        shot(page, f"notification-open-{socket}-htmx{htmx_version}")
        link.focus()
        page.keyboard.press("Enter")
        page.wait_for_url(f"**/boards/{team.slug}/?task={task.pk}#task-{task.pk}")
        expect(page.locator(f"#task-{task.pk}")).to_be_visible()
        # shown which, also once the socket's snapshot has replaced the card (issue 13)
        expect(page.locator(f"#task-{task.pk}")).to_have_css("outline-style", "solid")
        expect(page.locator("#notif-badge")).to_have_attribute("data-count", "0")
        shot(page, f"notification-opened-{socket}-htmx{htmx_version}")
        assert Notification.objects.get(pk=note.pk).read_at is not None
    finally:
        if proxy:
            proxy.stop()
