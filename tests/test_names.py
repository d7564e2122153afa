"""Display names differing only by invisible characters are the same name (people/names.py):
normalised on every save of a user, from the ORM and from the admin's forms."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from people.names import clean_name

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("Ali\u200bce", "Alice"),  # zero-width space
        ("\u200dAlice\u2060", "Alice"),  # zero-width joiner, word joiner
        ("Al\u00adice", "Alice"),  # soft hyphen
        ("\u202eecilA", "ecilA"),  # a right-to-left override no longer flips what follows
        ("\ufeffAlice", "Alice"),  # byte-order mark
        ("Ａｌｉｃｅ", "Alice"),  # full-width letters (NFKC)
        ("Alice\u00a0\u00a0 Smith\t\n", "Alice Smith"),  # no-break spaces, tabs, newlines
        ("Oʻgʻiloy", "Oʻgʻiloy"),  # the Uzbek ʻ is a letter, kept
        ("\u200b\u200c", ""),  # nothing visible: the username is shown instead
    ],
)
def test_clean_name(given: str, shown: str) -> None:
    assert clean_name(given) == shown


def test_every_save_of_a_user_stores_the_visible_name() -> None:
    user = get_user_model().objects.create_user("alice2", first_name="Ali\u200bce", last_name="Smi\u200eth ")
    user.refresh_from_db()
    assert (user.first_name, user.last_name, user.get_full_name()) == ("Alice", "Smith", "Alice Smith")


def test_the_admin_stores_the_visible_name(admin_client: Client, make_user: Any) -> None:
    bob = make_user("bob")
    page = admin_client.get(f"/admin/auth/user/{bob.pk}/change/")
    form = page.context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name != "password"}
    data.update(
        first_name="B\u200bob",
        last_name="\u202eX",
        groups=[],
        user_permissions=[],
        last_login_0="",
        last_login_1="",
        date_joined_0="2026-01-01",
        date_joined_1="00:00:00",
    )
    response = admin_client.post(f"/admin/auth/user/{bob.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    bob.refresh_from_db()
    assert (bob.first_name, bob.last_name) == ("Bob", "X")
