"""Two people on the board in real browsers: what one does, the other sees without a reload."""

from __future__ import annotations

import os
import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tasks.models import Task
from tests.browser.conftest import off_the_loop, open_as, shot
from tests.services import redis_url

pytestmark = pytest.mark.browser

LIVE = "#live-status[data-state=live] .live-now"


def wait_live(page: Any) -> None:
    expect(page.locator(LIVE)).to_be_visible(timeout=10_000)


@pytest.fixture(params=["memory", "redis"])
def layer_env(request: pytest.FixtureRequest) -> dict[str, str]:
    if request.param == "redis":
        request.node.add_marker(pytest.mark.redis)
        return {"REDIS_URL": redis_url(), "REDIS_PREFIX": "livebrowser"}
    return {}


def test_two_users_see_each_others_changes_live(
    browser: Any, start_server: Any, team: Any, alice: Any, bob: Any, layer_env: dict[str, str]
) -> None:
    server = start_server(**layer_env)
    path = f"/boards/{team.slug}/"
    mine, theirs = open_as(browser, server, alice, path), open_as(browser, server, bob, path)
    wait_live(mine)
    wait_live(theirs)
    theirs.evaluate("window.notReloaded = true")
    step = "board" if not layer_env else ""  # one set of screenshots is enough
    open_list, done_list = f"#board-{team.pk}-open", f"#board-{team.pk}-done"
    open_count, done_count = f"#board-{team.pk}-open-count", f"#board-{team.pk}-done-count"

    # Alice creates: it appears at the top of Bob's Open list, counter and feed follow.
    mine.fill("#id_title", "Ship the release")
    mine.fill("#id_description", "Tag, build, publish.")
    mine.select_option("#id_assignee", label="Bob")
    mine.click("#task-form button[type=submit]")
    expect(mine.locator("#task-form [role=status]")).to_have_text("Added “Ship the release”.")
    expect(mine.locator("#id_title")).to_have_value("")
    task = Task.objects.get(title="Ship the release")
    card = theirs.locator(f"{open_list} > #task-{task.pk}")
    expect(card).to_contain_text("Ship the release")
    expect(card).to_contain_text("Bob")
    expect(theirs.locator(open_count)).to_have_text("1")
    expect(theirs.locator(f"#board-{team.pk}-activity li").first).to_contain_text(
        "Alice created ‘Ship the release’"
    )
    expect(card.get_by_role("button", name=re.compile("^Delete"))).to_have_count(0)  # not Bob's to delete
    expect(mine.locator(f"#task-{task.pk}").get_by_role("button", name=re.compile("^Delete"))).to_have_count(
        1
    )
    if step:
        shot(theirs, f"{step}-1-created")

    # Bob completes it: it moves to Alice's Done list.
    card.get_by_role("button", name="Complete “Ship the release”").click()
    expect(mine.locator(f"{done_list} > #task-{task.pk}")).to_be_visible()
    expect(mine.locator(f"{open_list} > #task-{task.pk}")).to_have_count(0)
    expect(mine.locator(open_count)).to_have_text("0")
    expect(mine.locator(done_count)).to_have_text("1")
    expect(mine.locator(f"#board-{team.pk}-activity li").first).to_contain_text(
        "Bob completed ‘Ship the release’"
    )
    if step:
        shot(mine, f"{step}-2-completed")

    # Alice reopens it: back on top of Bob's Open list.
    mine.get_by_role("button", name="Reopen “Ship the release”").click()
    expect(theirs.locator(f"{open_list} > li").first).to_have_id(f"task-{task.pk}")
    expect(theirs.locator(f"{done_list} > #task-{task.pk}")).to_have_count(0)
    expect(theirs.locator(open_count)).to_have_text("1")
    if step:
        shot(theirs, f"{step}-3-reopened")

    # Alice deletes it (after confirming): gone from Bob's page.
    mine.once("dialog", lambda dialog: dialog.accept())
    mine.get_by_role("button", name="Delete “Ship the release”").click()
    expect(theirs.locator(f"#task-{task.pk}")).to_have_count(0)
    expect(theirs.locator(open_count)).to_have_text("0")
    expect(theirs.locator(f"#board-{team.pk}-activity li").first).to_contain_text(
        "Alice deleted ‘Ship the release’"
    )
    expect(theirs.get_by_text("Nothing open. Add a task to get going.")).to_be_visible()
    if step:
        shot(theirs, f"{step}-4-deleted")

    assert theirs.evaluate("window.notReloaded") is True
    assert not Task.objects.exists()
    assert mine.errors == [] and theirs.errors == []


def test_form_errors_show_inline_and_keep_what_was_typed(
    browser: Any, start_server: Any, team: Any, alice: Any
) -> None:
    server = start_server()
    page = open_as(browser, server, alice, f"/boards/{team.slug}/", width=390, height=844)  # a phone
    wait_live(page)

    page.fill("#id_description", "Remember me")
    page.click("#task-form button[type=submit]")

    expect(page.locator("#id_title_error")).to_have_text("Give the task a title.")
    expect(page.locator("#id_title")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_description")).to_have_value("Remember me")
    shot(page, "phone-form-error")
    assert not Task.objects.exists()


def test_login_page_then_the_board(
    browser: Any, start_server: Any, team: Any, alice: Any, settings: Any
) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]  # as the server has
    alice.set_password("pw-123456!")
    alice.save()
    server = start_server()
    page = browser.new_page()
    page.goto(server.url + f"/boards/{team.slug}/")

    expect(page).to_have_url(re.compile("/accounts/login/"))
    page.fill("#id_username", "alice")
    page.fill("#id_password", "wrong")
    page.click("button[type=submit]")
    expect(page.get_by_role("alert")).to_contain_text("Please enter a correct username and password")
    shot(page, "login-error")
    page.fill("#id_password", "pw-123456!")
    page.click("button[type=submit]")

    expect(page).to_have_url(re.compile(f"/boards/{team.slug}/$"))
    wait_live(page)


def test_board_heals_after_a_server_restart(browser: Any, start_server: Any, team: Any, alice: Any) -> None:
    """The server goes away: the page says so by itself, reconnects when it is back, and
    shows what changed meanwhile."""
    server = start_server(LIVE_HEARTBEAT="1")
    page = open_as(browser, server, alice, f"/boards/{team.slug}/")
    wait_live(page)

    server.stop()
    # "Reconnecting…" at once: the page's cached state, swapped in when the socket closed (issue 13)
    expect(page.locator("#live-status[data-state=reconnecting] .live-now-briefly")).to_be_visible(
        timeout=10_000
    )
    shot(page, "board-reconnecting")
    task = off_the_loop(Task.objects.create, board=team, title="Added while the server was down")
    restarted = start_server(port=server.port, LIVE_HEARTBEAT="1")

    assert restarted.port == server.port
    # htmx 2 waits random(0, 2^n) s before its n-th retry: after a few failed attempts
    # while the server was down, the next one may be 16 s away.
    expect(page.locator(LIVE)).to_be_visible(timeout=40_000)
    expect(page.locator(f"#board-{team.pk}-open > #task-{task.pk}")).to_be_visible()


def test_demo_board_and_home_page(browser: Any, start_server: Any, db: Any) -> None:
    """The README's screenshots: the demo data on the board and home pages, and a check that
    the home page stays live too."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    call_command("demo_data", stdout=open(os.devnull, "w"))  # noqa: SIM115
    from tasks.models import Board

    aziz = get_user_model().objects.get(username="aziz")
    team = Board.objects.get(slug="team")
    server = start_server()

    board = open_as(browser, server, aziz, "/boards/team/")
    wait_live(board)
    expect(board.locator(f"#board-{team.pk}-open > li")).to_have_count(4)
    expect(board.locator(f"#presence-board-{team.pk}")).to_contain_text("Aziz Rahimov")
    shot(board, "board")

    home = open_as(browser, server, aziz, "/")
    wait_live(home)
    board.fill("#id_title", "Book the venue")
    board.click("#task-form button[type=submit]")
    expect(home.locator("#activity-feed li").first).to_contain_text("Aziz Rahimov created ‘Book the venue’")
    expect(home.locator(f"#board-{team.pk}-summary")).to_contain_text("5 open")
    shot(home, "home")
    assert board.errors == [] and home.errors == []


def test_signing_out_in_one_tab_ends_the_others_for_good(
    browser: Any, start_server: Any, team: Any, alice: Any
) -> None:
    """The other tab of that session says so and stops: no reconnect loop (htmx 4.0 beta would
    retry even 4401; its page's socket element gives way to a notice instead)."""
    server = start_server()
    board = open_as(browser, server, alice, f"/boards/{team.slug}/")
    wait_live(board)
    home = board.context.new_page()
    home.goto(server.url + "/")
    expect(home.locator(LIVE)).to_be_visible(timeout=10_000)
    connects = server_connects(server)

    home.get_by_role("button", name="Sign out").click()

    expect(board.locator("#live-status[data-state=signed_out]")).to_contain_text("Signed out: sign in again")
    board.wait_for_timeout(4000)  # htmx 4 would have retried several times by now
    assert server_connects(server) == connects
    if board.evaluate("htmx.version").startswith("4"):
        expect(board.locator("#live-page")).to_contain_text("You were signed out")
        shot(board, "htmx4-signed-out")
    else:
        expect(board.locator(f"#board-{team.pk}-open")).to_have_count(1)  # the page stays as it was
    assert board.errors == []


def server_connects(server: Any) -> int:
    """How many sockets the server has accepted so far (its log's WSCONNECT lines)."""
    return server.log_text().count("WSCONNECT /ws/")
