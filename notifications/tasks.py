"""Celery tasks (found by ``app.autodiscover_tasks()``)."""

from __future__ import annotations

from celery import shared_task

from notifications.reminders import send_due_today_reminders as send_reminders


@shared_task(name="notifications.tasks.send_due_today_reminders")
def send_due_today_reminders() -> int:
    """The beat schedule runs this every morning at REMINDER_TIME."""
    return send_reminders()
