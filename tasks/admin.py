"""Admin. Its saves and deletes reach open boards through the model signals, like every
other write; the activity feed names the admin who made them."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest

from tasks.actor import acting_as
from tasks.models import Activity, Board, Membership, Task
from tasks.permissions import TaskAct, user_may
from tasks.selectors import boards_visible_to


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Board)
class BoardAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "is_restricted", "is_default", "seq"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["seq"]
    inlines = [MembershipInline]


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ["title", "board", "assignee", "due_date", "completed", "version"]
    list_filter = ["board", "completed"]
    search_fields = ["title", "description"]
    autocomplete_fields = ["assignee", "created_by"]
    readonly_fields = ["version", "completed_at", "created_at", "updated_at"]

    # The task rule (tasks/permissions.py) on top of the admin's model permissions: a staff
    # member sees and edits the tasks of the boards they are on and deletes those they may
    # (superusers are managers everywhere).
    def get_queryset(self, request: HttpRequest) -> QuerySet[Task]:
        return super().get_queryset(request).filter(board__in=boards_visible_to(request.user))

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "board":
            kwargs["queryset"] = boards_visible_to(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request: HttpRequest, obj: Task | None = None) -> bool:
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or user_may(request.user, TaskAct.EDIT, obj))

    def has_delete_permission(self, request: HttpRequest, obj: Task | None = None) -> bool:
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or user_may(request.user, TaskAct.DELETE, obj))

    # Saves and deletes here go through the model signals like every write; acting_as makes
    # the activity feed say which admin did it.
    def save_model(self, request: HttpRequest, obj: Task, form: ModelForm, change: bool) -> None:
        if not change and obj.created_by_id is None:
            obj.created_by = request.user
        with acting_as(request.user):
            super().save_model(request, obj, form, change)

    def delete_model(self, request: HttpRequest, obj: Task) -> None:
        with acting_as(request.user):
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        with acting_as(request.user):
            super().delete_queryset(request, queryset)


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ["created_at", "board", "actor", "verb", "task_title"]
    list_filter = ["board", "verb"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
