from __future__ import annotations

from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"

    def ready(self) -> None:
        from django.conf import settings

        from live.periodic import every
        from notifications import receivers, regions  # noqa: F401  (the receivers and the bell's regions)
        from notifications.schedule import send_if_due

        if settings.REMINDERS_IN_PROCESS:  # no Celery beat: each server process sends it
            every(60, "due-today reminder")(send_if_due)
