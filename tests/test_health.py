"""The probes: /health/ (liveness) and /ready/ (database, channel layer, Celery broker), on
the embedded defaults, on real Redis, and with a service unreachable."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest
from django.test import Client

from tests.servers import _free_port
from tests.services import redis_url


def probe(url: str) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(url, timeout=15) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.mark.django_db
def test_the_embedded_defaults_are_ready_without_a_session() -> None:
    client = Client(HTTP_HOST="localhost")

    live = client.get("/health/")
    ready = client.get("/ready/")

    assert live.status_code == 200 and live.json() == {"status": "ok"}
    assert live["Cache-Control"].startswith("max-age=0")
    assert ready.status_code == 200 and ready["Content-Type"] == "application/json"
    assert ready.json() == {
        "status": "ok",
        "checks": {"Database(alias='default')": "OK", "ChannelLayer": "OK"},
    }


@pytest.mark.redis
def test_on_redis_the_channel_layer_and_the_broker_are_checked(start_server: Any) -> None:
    server = start_server(script="serve-prod.sh", WEB_CONCURRENCY="1", REDIS_URL=redis_url())

    status, body = probe(server.url + "/ready/")

    assert status == 200, body
    assert body["checks"] == {"Database(alias='default')": "OK", "ChannelLayer": "OK", "CeleryBroker": "OK"}


def test_a_redis_that_does_not_answer_makes_the_server_unready_but_alive(start_server: Any) -> None:
    server = start_server(
        script="serve-prod.sh", WEB_CONCURRENCY="1", REDIS_URL=f"redis://127.0.0.1:{_free_port()}/12"
    )

    status, body = probe(server.url + "/ready/")

    assert status == 503
    assert body == {
        "status": "unavailable",
        "checks": {
            "Database(alias='default')": "OK",
            "ChannelLayer": "Unavailable: channel layer unreachable (ConnectionError)",
            "CeleryBroker": "Unavailable: Celery broker unreachable (OperationalError)",
        },
    }
    assert probe(server.url + "/health/") == (200, {"status": "ok"})


def test_a_database_that_does_not_answer_makes_the_server_unready(start_server: Any) -> None:
    server = start_server(
        script="serve-prod.sh",
        WEB_CONCURRENCY="1",
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{_free_port()}/nowhere",
    )

    status, body = probe(server.url + "/ready/")

    assert status == 503 and body["status"] == "unavailable"
    assert body["checks"]["Database(alias='default')"].startswith("Unavailable: connection")
    assert body["checks"]["ChannelLayer"] == "OK"
    assert probe(server.url + "/health/") == (200, {"status": "ok"})
