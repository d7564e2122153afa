from __future__ import annotations

from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "chat"

    def ready(self) -> None:
        from chat import live, regions, signals  # noqa: F401  (renderers, regions, receivers)
