from __future__ import annotations

from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "people"
    verbose_name = "People"

    def ready(self) -> None:
        from django.conf import settings
        from django.db.models.signals import pre_save

        from people.names import clean_names_before_save

        pre_save.connect(
            clean_names_before_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="people-names"
        )
