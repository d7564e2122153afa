from __future__ import annotations

from django.apps import AppConfig


class LiveConfig(AppConfig):
    name = "live"
    verbose_name = "Live updates"

    def ready(self) -> None:
        from live import metrics, sessions  # noqa: F401  (sessions: its signal receivers end sockets with their session; metrics: its periodic job)
