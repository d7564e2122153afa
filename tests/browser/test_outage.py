"""The server crashes and comes back (issue 13): every page says so at once without asking the
server, an action made meanwhile says it saved nothing and keeps what was typed, and the page
is current again within seconds of the server answering."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tasks.models import Task
from tests.browser.conftest import off_the_loop, open_as, shot

pytestmark = pytest.mark.browser

LIVE = "#live-status[data-state=live] .live-now"
RECONNECTING = "#live-status[data-state=reconnecting]"
BACK = "#live-status:is([data-state=live], [data-state=polling])"
UNREACHABLE = "The server could not be reached: nothing was saved."


def test_a_crash_is_shown_at_once_and_an_action_meanwhile_says_it_saved_nothing(
    browser: Any, start_server: Any, team: Any, alice: Any
) -> None:
    # The default heartbeat (10 s): the CSS clock alone would keep "Live" up for 25 s.
    server = start_server()
    page = open_as(browser, server, alice, f"/boards/{team.slug}/", width=390, height=844)
    expect(page.locator(LIVE)).to_be_visible(timeout=10_000)
    page.wait_for_timeout(500)  # the prefetched answers are in the browser's cache

    server.crash()
    # The server cannot answer anything now: what the page shows comes from the page alone.
    expect(page.locator(LIVE)).to_be_hidden(timeout=5_000)
    expect(page.locator(RECONNECTING)).to_contain_text("Reconnecting…", timeout=1_000)
    expect(page.locator("#live-announce")).to_have_text("Connection lost: reconnecting.")

    page.fill("#id_title", "Written while the server was down")
    page.click("#task-form button[type=submit]")
    alert = page.locator("#live-error[role=alert]")
    expect(alert).to_contain_text(UNREACHABLE, timeout=5_000)
    expect(page.locator("#id_title")).to_have_value("Written while the server was down")
    expect(page.locator("#task-form button[type=submit]")).to_be_enabled()
    shot(page, "outage-1-action-refused")

    # Back: the page finds it by itself, and the same form now saves.
    start_server(port=server.port)
    expect(page.locator(BACK)).to_have_count(1, timeout=10_000)
    expect(alert).to_have_count(0)  # the alert is cleared once the server answers again
    page.click("#task-form button[type=submit]")
    expect(page.locator("#task-form [role=status]")).to_have_text(
        "Added “Written while the server was down”."
    )
    assert Task.objects.filter(title="Written while the server was down").count() == 1
    shot(page, "outage-2-back")


def test_pages_are_current_again_within_seconds_of_the_server_answering(
    browser: Any, start_server: Any, team: Any, alice: Any, bob: Any, htmx_version: int
) -> None:
    """After a 20 s outage the page shows what changed within 10 s of the restart: on htmx 4
    over its socket again (its backoff is bounded), on htmx 2 (whose ws extension's backoff
    only a JavaScript function could bound) by the poller first, then the socket."""
    server = start_server(LIVE_POLL_INTERVAL="5")
    board = open_as(browser, server, alice, f"/boards/{team.slug}/")
    chat = open_as(browser, server, bob, "/chat/")
    for page in (board, chat):
        expect(page.locator(LIVE)).to_be_visible(timeout=10_000)
    board.wait_for_timeout(500)

    server.crash()
    task = off_the_loop(Task.objects.create, board=team, title="Added during the outage")
    board.wait_for_timeout(20_000)
    for page in (board, chat):
        expect(page.locator(RECONNECTING)).to_have_count(1)
    start_server(port=server.port, LIVE_POLL_INTERVAL="5")

    expect(board.locator(f"#board-{team.pk}-open > #task-{task.pk}")).to_be_visible(timeout=10_000)
    for page in (board, chat):
        if htmx_version == 4:
            expect(page.locator(LIVE)).to_be_visible(timeout=10_000)
        else:
            expect(page.locator(BACK)).to_have_count(1, timeout=10_000)
    shot(board, f"outage-3-current-htmx{htmx_version}")
