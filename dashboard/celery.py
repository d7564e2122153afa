"""Celery, as the lesson uses it: the daily due-today reminder (notifications/tasks.py).

Without REDIS_URL tasks run eagerly in the calling process (the embedded default); with it,
a worker and beat run against Redis, and what they publish reaches every server process:
    celery -A dashboard worker --loglevel=info
    celery -A dashboard beat --loglevel=info
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")

app = Celery("dashboard")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
