"""Failed sign-ins past the per-account limit (5, its default): the sign-in form says how long
to wait, in the page's language, and the right password does not get in meanwhile
(people/login_throttle.py), on a phone-sized screen."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import shot

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("language", "wait"),
    [
        ("en", "Too many failed sign-ins. Try again in 15 minutes."),
        ("uz", "Muvaffaqiyatsiz kirishlar juda koʻp. 15 daqiqadan keyin qayta urinib koʻring."),
    ],
)
def test_the_sign_in_form_says_how_long_to_wait(
    browser: Any, start_server: Any, alice: Any, language: str, wait: str, htmx_version: int
) -> None:
    server = start_server()
    context = browser.new_context(viewport={"width": 390, "height": 800})
    context.add_cookies([{"name": "django_language", "value": language, "url": server.url}])
    page = context.new_page()
    page.goto(server.url + "/accounts/login/")

    def attempt(password: str) -> None:
        page.locator("#id_username").fill("alice")
        page.locator("#id_password").fill(password)
        page.locator("#id_password").press("Enter")  # by keyboard
        page.wait_for_load_state()

    for _ in range(5):
        attempt("wrong")
        expect(page.get_by_role("alert")).not_to_contain_text(wait)
    attempt("pw-123456!")
    expect(page.get_by_role("alert")).to_have_text(wait)
    expect(page).to_have_url(server.url + "/accounts/login/")
    shot(page, f"sign-in-limit-{language}-htmx{htmx_version}")
    context.close()
