from __future__ import annotations

from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "people"
    verbose_name = "People"

    def ready(self) -> None:
        from django.conf import settings
        from django.contrib import admin
        from django.contrib.auth.signals import user_logged_in, user_login_failed
        from django.db.models.signals import pre_save

        from people.login import AdminLoginForm
        from people.login_throttle import clear_account, record_failure
        from people.names import clean_names_before_save

        pre_save.connect(
            clean_names_before_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="people-names"
        )
        user_login_failed.connect(record_failure, dispatch_uid="people-login-failed")
        user_logged_in.connect(clear_account, dispatch_uid="people-logged-in")
        admin.site.login_form = AdminLoginForm  # says how long to wait past a sign-in limit
