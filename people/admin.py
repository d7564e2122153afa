from __future__ import annotations

from django.contrib import admin

from people.models import Profile


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "language")
