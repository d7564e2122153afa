"""``manage.py send_reminders``: the due-today reminder once, for cron instead of Celery beat.
Running it twice on a day sends nothing the second time."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from notifications.reminders import send_due_today_reminders


class Command(BaseCommand):
    help = __doc__

    def handle(self, *args: Any, **options: Any) -> None:
        sent = send_due_today_reminders()
        self.stdout.write(f"{sent} reminder(s) sent.")
