from __future__ import annotations

from django.apps import AppConfig


class ThemeConfig(AppConfig):
    """The django-tailwind theme: sources in static_src/, built CSS in static/css/dist/."""

    name = "theme"
