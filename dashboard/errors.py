"""Error reports to Sentry (sentry-sdk), only when ``SENTRY_DSN`` is set.

Django's and Celery's integrations: unhandled exceptions in views, consumers (ASGI) and
Celery tasks, with the request or task they happened in. Neither who the user is nor request bodies are
sent (sentry-sdk 3's ``data_collection``) and no performance traces unless ``SENTRY_TRACES_SAMPLE_RATE``
says so. Without ``SENTRY_DSN`` sentry-sdk is not even imported.
"""

from __future__ import annotations

import os


def init_from_environment() -> bool:
    """Start sentry-sdk if ``SENTRY_DSN`` is set; says whether it did."""
    dsn = os.environ.get("SENTRY_DSN", "").strip()
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        environment=os.environ.get("SENTRY_ENVIRONMENT", "production"),
        release=os.environ.get("SENTRY_RELEASE") or None,
        traces_sample_rate=float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE", "0")),
        # who the user is, and request bodies (task texts, chat messages), stay here
        data_collection={"user_info": False, "http_bodies": []},
    )
    return True
