"""Sentry: started with its Django and Celery integrations when SENTRY_DSN is set, not at all
otherwise. In a fresh settings process each; nothing is sent (no error happens)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.servers import ROOT

REPORT = (
    "import django, json, sys; django.setup(); from django.conf import settings; "
    "loaded = 'sentry_sdk' in sys.modules; "
    "client = sys.modules['sentry_sdk'].get_client() if loaded else None; "
    "print(json.dumps({'enabled': settings.SENTRY_ENABLED, 'loaded': loaded, "
    "'active': bool(client and client.is_active()), "
    "'integrations': sorted(client.integrations) if client else [], "
    "'user_info': client.options['data_collection']['user_info'] if client else None, "
    "'environment': client.options['environment'] if client else None}))"
)


def settings_process(**env: str) -> dict:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("SENTRY_")}
    result = subprocess.run(
        [sys.executable, "-c", REPORT],
        cwd=ROOT,
        env={**environ, "DJANGO_SETTINGS_MODULE": "dashboard.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout)


def test_without_a_dsn_sentry_is_not_even_imported() -> None:
    assert settings_process() == {
        "enabled": False,
        "loaded": False,
        "active": False,
        "integrations": [],
        "user_info": None,
        "environment": None,
    }


def test_with_a_dsn_it_starts_with_the_django_and_celery_integrations() -> None:
    report = settings_process(SENTRY_DSN="https://public@127.0.0.1:9/1", SENTRY_ENVIRONMENT="staging")

    assert report["enabled"] and report["loaded"] and report["active"]
    assert {"django", "celery"} <= set(report["integrations"])
    assert report["user_info"] is False and report["environment"] == "staging"
