"""The due-today reminder without Celery beat.

With Redis, Celery beat sends it every morning at ``REMINDER_TIME`` (dashboard/settings.py).
On the embedded default no beat runs (tasks run eagerly in the calling process), so each
server process checks once a minute and sends it itself the first time it finds the time
passed today. A second sender (another process, a restart, a cron ``send_reminders``) sends
nothing: one reminder per person per day (notifications/reminders.py).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils import timezone

from notifications.reminders import send_due_today_reminders

_sent_on: datetime.date | None = None  # the day this process last sent it


def reminder_time() -> datetime.time:
    hour, minute = settings.REMINDER_TIME.split(":")
    return datetime.time(int(hour), int(minute))


def send_if_due(now: datetime.datetime | None = None) -> bool:
    """Send today's reminder if its time has come and this process has not sent it today."""
    global _sent_on
    now = timezone.localtime(now)
    if _sent_on == now.date() or now.time() < reminder_time():
        return False
    send_due_today_reminders(now.date())
    _sent_on = now.date()
    return True
