"""Behind a proxy that refuses WebSocket upgrades: every action works over plain htmx HTTP,
and the page keeps itself current by polling while its socket cannot open."""

from __future__ import annotations

import re
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from playwright.sync_api import expect

from chat.models import Message, Room
from tasks.models import Task
from tests.browser.conftest import open_as, shot
from tests.proxy import UpgradeBlockingProxy

pytestmark = pytest.mark.browser

LIVE = "#live-status[data-state=live] .live-now"


def refused_socket_only(errors: list[str]) -> bool:
    """The console says only that the socket was refused: Chromium's handshake error, and the
    ws extension logging its errors (htmx 2: the bare event; htmx 4: htmx:ws:error, also for a
    send it drops because the socket is not open)."""
    return all(
        "Error during WebSocket handshake" in e
        or e == "[object Event]"
        or e.startswith("htmx: htmx:ws:error")
        for e in errors
    )


POLLING = "#live-status[data-state=polling]"


@pytest.fixture
def blocked(start_server: Any) -> Iterator[tuple[Any, SimpleNamespace, UpgradeBlockingProxy]]:
    """The server, the same server as seen through the blocking proxy, and the proxy."""
    server = start_server(LIVE_HEARTBEAT="1", LIVE_POLL_INTERVAL="1")
    proxy = UpgradeBlockingProxy(server.port)
    yield server, SimpleNamespace(url=proxy.url), proxy
    proxy.stop()


def test_the_board_works_and_stays_current_without_a_socket(
    browser: Any, blocked: Any, team: Any, alice: Any, bob: Any
) -> None:
    server, through_proxy, proxy = blocked
    path = f"/boards/{team.slug}/"
    mine = open_as(browser, through_proxy, alice, path)
    theirs = open_as(browser, server, bob, path)
    expect(theirs.locator(LIVE)).to_be_visible(timeout=10_000)
    expect(mine.locator(POLLING)).to_contain_text("Refreshing every 1 s", timeout=10_000)
    mine.evaluate("window.notReloaded = true")
    open_list, done_list = f"#board-{team.pk}-open", f"#board-{team.pk}-done"

    # Bob (live) creates: Alice's page shows it by polling.
    theirs.fill("#id_title", "Ship the release")
    theirs.select_option("#id_assignee", label="Alice")
    theirs.click("#task-form button[type=submit]")
    expect(theirs.locator("#task-form [role=status]")).to_have_text("Added “Ship the release”.")
    shipped = Task.objects.get(title="Ship the release")
    expect(mine.locator(f"{open_list} > #task-{shipped.pk}")).to_contain_text("Ship the release")
    expect(mine.locator(f"#board-{team.pk}-open-count")).to_have_text("1")
    expect(mine.locator("#notif-badge")).to_have_attribute("data-count", "1")  # assigned to her

    # Alice creates over HTTP: her page and Bob's show it.
    mine.fill("#id_title", "Book the venue")
    mine.click("#task-form button[type=submit]")
    expect(mine.locator("#task-form [role=status]")).to_have_text("Added “Book the venue”.")
    venue = Task.objects.get(title="Book the venue")
    for page in (mine, theirs):
        expect(page.locator(f"{open_list} > #task-{venue.pk}")).to_be_visible()
        expect(page.locator(f"#board-{team.pk}-open-count")).to_have_text("2")

    # Complete, reopen and delete over HTTP; both pages follow.
    mine.get_by_role("button", name="Complete “Book the venue”").click()
    for page in (mine, theirs):
        expect(page.locator(f"{done_list} > #task-{venue.pk}")).to_be_visible()
        expect(page.locator(f"#board-{team.pk}-done-count")).to_have_text("1")
    mine.get_by_role("button", name="Reopen “Book the venue”").click()
    for page in (mine, theirs):
        expect(page.locator(f"{open_list} > #task-{venue.pk}")).to_be_visible()
    mine.once("dialog", lambda dialog: dialog.accept())
    mine.get_by_role("button", name="Delete “Book the venue”").click()
    for page in (mine, theirs):
        expect(page.locator(f"#task-{venue.pk}")).to_have_count(0)
        expect(page.locator(f"#board-{team.pk}-activity li").first).to_contain_text(
            "Alice deleted ‘Book the venue’"
        )
    assert not Task.objects.filter(pk=venue.pk).exists()

    # The bell: marked read over HTTP.
    mine.click("#notif-menu > button")
    mine.get_by_role("button", name="Mark all read").click()
    expect(mine.locator("#notif-badge")).to_have_attribute("data-count", "0")
    shot(mine, "board-without-websocket")

    assert mine.evaluate("window.notReloaded") is True
    expect(mine.locator(POLLING)).to_have_count(1)  # it never had a socket
    assert proxy.refused >= 1
    assert refused_socket_only(mine.errors)
    assert theirs.errors == []


def test_a_chat_room_works_without_a_socket(
    browser: Any, blocked: Any, team: Any, alice: Any, bob: Any
) -> None:
    server, through_proxy, _proxy = blocked
    room = Room.objects.get(board=team)
    mine = open_as(browser, through_proxy, alice, f"/chat/{room.slug}/")
    theirs = open_as(browser, server, bob, f"/chat/{room.slug}/")
    expect(theirs.locator(LIVE)).to_be_visible(timeout=10_000)
    expect(mine.locator(POLLING)).to_be_visible(timeout=10_000)
    messages = f"#room-{room.pk}-messages li"

    # "Who is here" needs the socket, and says so instead of waiting.
    expect(mine.locator(f"#presence-room-{room.pk}")).to_have_text(
        "Shown while live updates are on.", use_inner_text=True
    )
    expect(theirs.locator(f"#presence-room-{room.pk}")).to_contain_text("Bob")

    # The composer that posts over HTTP has taken the socket's place.
    expect(mine.locator("#message")).to_be_hidden()
    mine.locator("#message-http").fill("Sent without a socket")
    mine.locator("#message-http").press("Enter")
    expect(theirs.locator(messages).last).to_contain_text("Sent without a socket")
    expect(mine.locator(messages).last).to_contain_text("Sent without a socket")
    expect(mine.locator("#message-http")).to_have_value("")

    theirs.locator("#message").fill("And one back, live")
    theirs.locator("#message").press("Enter")
    expect(mine.locator(messages).last).to_contain_text("And one back, live")
    # Alice's page reported reading it over HTTP: Bob sees her under his message.
    expect(theirs.locator(f"#room-{room.pk}-seen")).to_have_text(re.compile("Seen by Alice"))
    shot(mine, "chat-without-websocket")

    assert Message.objects.filter(room=room, body="Sent without a socket").count() == 1
    assert refused_socket_only(mine.errors)
