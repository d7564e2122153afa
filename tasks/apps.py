from __future__ import annotations

from django.apps import AppConfig


class TasksConfig(AppConfig):
    name = "tasks"

    def ready(self) -> None:
        from tasks import live, regions, signals  # noqa: F401  (signal handlers, renderers, regions)
