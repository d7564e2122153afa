"""Request limits at their defaults (the suite raises the API's for everything else,
tests/conftest.py): failed sign-ins per account and per address (people/login_throttle.py)
on the sign-in page and the admin's, in English and Uzbek; the API's rates and wrong tokens
(dashboard/api_throttles.py), 429 with Retry-After."""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
import time
from typing import Any

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

DEFAULTS = {
    "LOGIN_FAILURES_PER_ACCOUNT": 5,
    "LOGIN_FAILURES_PER_ADDRESS": 30,
    "LOGIN_LOCKOUT_SECONDS": 900,
    "API_RATE_ANON": "60/minute",
    "API_RATE_USER": "120/minute",
    "API_RATE_BAD_TOKEN": "20/hour",
}


@pytest.fixture
def defaults(settings: Any) -> None:
    for name, value in DEFAULTS.items():
        setattr(settings, name, value)


def test_these_are_the_defaults_of_the_settings() -> None:
    code = "import django; django.setup(); from django.conf import settings as s; print(repr({n: getattr(s, n) for n in %r}))"
    env = {k: v for k, v in os.environ.items() if k not in DEFAULTS}
    env["DJANGO_SETTINGS_MODULE"] = "dashboard.settings"
    out = subprocess.run(
        [sys.executable, "-c", code % list(DEFAULTS)], env=env, capture_output=True, text=True, check=True
    )
    assert eval(out.stdout) == DEFAULTS  # noqa: S307 (our own repr)


def sign_in(client: Client, username: str, password: str, address: str = "10.0.0.1", **headers: Any) -> Any:
    return client.post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address, **headers
    )


def alert(response: Any) -> str:
    """The text of the sign-in form's alert (its non-field errors)."""
    found = re.search(r'<div role="alert"[^>]*>(.*?)</div>', response.content.decode(), re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", found.group(1))).split()) if found else ""


def test_an_account_is_locked_after_five_failures_even_for_the_right_password(
    defaults: None, alice: Any
) -> None:
    client = Client()
    for _ in range(5):
        response = sign_in(client, "alice", "wrong")
        assert response.status_code == 200 and "correct username and password" in alert(response)
    refused = sign_in(client, "alice", "pw-123456!")
    assert refused.status_code == 429
    assert 840 < int(refused["Retry-After"]) <= 900
    assert alert(refused) == "Too many failed sign-ins. Try again in 15 minutes."
    assert "_auth_user_id" not in client.session
    # from another address too: the account is what was guessed at
    assert sign_in(Client(), "alice", "pw-123456!", address="10.0.0.2").status_code == 429
    # another account from the same address is not locked (the address has 6 of its 30)
    assert sign_in(Client(), "bob", "wrong").status_code == 200


def test_a_success_clears_the_accounts_count_and_the_lock_ends_with_its_window(
    defaults: None, alice: Any, settings: Any
) -> None:
    for _ in range(4):
        sign_in(Client(), "alice", "wrong")
    assert sign_in(Client(), "alice", "pw-123456!").status_code == 302  # the fifth is right
    for _ in range(5):
        assert sign_in(Client(), "alice", "wrong").status_code == 200  # counting from 0 again
    assert sign_in(Client(), "alice", "pw-123456!").status_code == 429
    settings.LOGIN_LOCKOUT_SECONDS = 1
    from django.core.cache import cache

    cache.clear()
    for _ in range(5):
        sign_in(Client(), "alice", "wrong", address="10.0.0.5")
    assert sign_in(Client(), "alice", "pw-123456!", address="10.0.0.5").status_code == 429
    time.sleep(1.2)  # the window (1 s here) ends
    assert sign_in(Client(), "alice", "pw-123456!", address="10.0.0.5").status_code == 302


def test_an_address_is_locked_after_thirty_failures_over_any_accounts(defaults: None, alice: Any) -> None:
    for n in range(30):
        assert sign_in(Client(), f"nobody{n}", "wrong").status_code == 200
    refused = sign_in(Client(), "alice", "pw-123456!")
    assert refused.status_code == 429 and "Too many failed sign-ins" in alert(refused)
    assert sign_in(Client(), "alice", "pw-123456!", address="10.0.0.9").status_code == 302


def test_the_message_is_in_uzbek_on_an_uzbek_page(defaults: None, alice: Any) -> None:
    client = Client()
    client.cookies["django_language"] = "uz"
    for _ in range(5):
        sign_in(client, "alice", "wrong")
    refused = sign_in(client, "alice", "wrong")
    assert refused.status_code == 429
    assert alert(refused) == "Muvaffaqiyatsiz kirishlar juda koʻp. 15 daqiqadan keyin qayta urinib koʻring."


def test_the_admins_sign_in_is_limited_too(defaults: None, make_user: Any) -> None:
    make_user("root", is_staff=True, is_superuser=True)
    for _ in range(5):
        response = Client().post(
            "/admin/login/", {"username": "root", "password": "wrong"}, REMOTE_ADDR="10.0.0.3"
        )
        assert response.status_code == 200
    refused = Client().post(
        "/admin/login/", {"username": "root", "password": "pw-123456!"}, REMOTE_ADDR="10.0.0.4"
    )
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "Too many failed sign-ins" in refused.content.decode()


def test_api_calls_past_the_users_rate_get_429_with_retry_after(
    defaults: None, alice: Any, team: Any
) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=alice).key}")
    answers = [client.get("/api/tasks/").status_code for _ in range(121)]
    assert answers[:120] == [200] * 120 and answers[120] == 429
    refused = client.get("/api/tasks/")
    assert refused.status_code == 429 and 0 < int(refused["Retry-After"]) <= 60
    assert "throttled" in refused.data["detail"].lower()
    other = APIClient()
    other.force_authenticate(type(alice).objects.create_user("zed"))
    assert other.get("/api/tasks/").status_code == 200  # per user


def test_anonymous_api_calls_are_limited_per_address(defaults: None, settings: Any) -> None:
    """Where the API answers without credentials (here the public schema; elsewhere a
    stranger gets 401 before any limit is counted, as DRF checks permissions first)."""
    settings.API_DOCS_PUBLIC = True
    answers = [APIClient().get("/api/schema/", REMOTE_ADDR="10.1.0.1").status_code for _ in range(61)]
    assert answers[:60] == [200] * 60 and answers[60] == 429
    assert APIClient().get("/api/schema/", REMOTE_ADDR="10.1.0.2").status_code == 200
    # a forwarded-for header the client wrote itself changes nothing
    spoofed = APIClient().get("/api/schema/", REMOTE_ADDR="10.1.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert spoofed.status_code == 429 and int(spoofed["Retry-After"]) > 0


def test_wrong_tokens_lock_the_address_out_of_token_auth(defaults: None, alice: Any, settings: Any) -> None:
    settings.API_RATE_ANON = "off"  # only the wrong-token limit here
    good = Token.objects.create(user=alice).key

    def call(token: str, address: str = "10.2.0.1") -> Any:
        return APIClient().get("/api/tasks/", HTTP_AUTHORIZATION=f"Token {token}", REMOTE_ADDR=address)

    assert [call(f"{n:040d}").status_code for n in range(20)] == [401] * 20
    refused = call(good)
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 3000
    assert call(good, address="10.2.0.2").status_code == 200


def test_the_limits_let_requests_through_while_redis_is_away(alice: Any, settings: Any) -> None:
    """With REDIS_URL the counts live in Redis; Redis away, nothing is counted and the API
    and the sign-in page still answer (dashboard/cache.py), within its short timeouts."""
    settings.CACHES = {
        "default": {
            "BACKEND": "dashboard.cache.FailOpenRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
            "OPTIONS": {"socket_timeout": 0.5, "socket_connect_timeout": 0.5},
        }
    }
    settings.API_RATE_USER = DEFAULTS["API_RATE_USER"]
    client = APIClient()
    client.force_authenticate(alice)
    assert client.get("/api/tasks/").status_code == 200
    assert sign_in(Client(), "alice", "wrong").status_code == 200
    assert sign_in(Client(), "alice", "pw-123456!").status_code == 302
