"""Two people, two languages, one board: each page, and everything pushed to it, in its
reader's language."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import open_as, shot

pytestmark = pytest.mark.browser


def test_switching_to_uzbek_and_seeing_a_colleagues_change_in_it(
    browser: Any, start_server: Any, team: Any, alice: Any, bob: Any
) -> None:
    server = start_server()
    aziza = open_as(browser, server, alice, f"/boards/{team.slug}/")
    english = open_as(browser, server, bob, f"/boards/{team.slug}/")
    expect(aziza.locator("#live-status[data-state=live] .live-now")).to_be_visible(timeout=10_000)

    aziza.get_by_role("button", name="Oʻzbekcha").click()
    expect(aziza.locator("html")).to_have_attribute("lang", "uz")
    expect(aziza.locator("#live-status[data-state=live] .live-now")).to_have_text("Jonli", timeout=10_000)
    expect(aziza.get_by_role("button", name="Vazifa qoʻshish")).to_be_visible()

    english.fill("#id_title", "Ship the release")
    english.click("#task-form button[type=submit]")

    expect(aziza.locator(f"#board-{team.pk}-activity li").first).to_contain_text(
        "Bob ‘Ship the release’ vazifasini yaratdi"
    )
    expect(english.locator(f"#board-{team.pk}-activity li").first).to_contain_text(
        "Bob created ‘Ship the release’"
    )
    expect(aziza.locator(f"#board-{team.pk}-open")).to_contain_text("Ship the release")
    expect(aziza.locator(f"#presence-board-{team.pk}")).to_contain_text(
        "Bob"
    )  # the list, in her language too
    shot(aziza, "board-uzbek")

    reloaded = open_as(browser, server, alice, "/")  # the choice is remembered for her account
    expect(reloaded.locator("h1")).to_have_text("Doskalaringiz")
    assert aziza.errors == [] and english.errors == [] and reloaded.errors == []
