from __future__ import annotations

from django.contrib import admin

from chat.models import Attachment, Message, ReadPosition, Room, RoomMember


class RoomMemberInline(admin.TabularInline):
    model = RoomMember
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "board", "is_private", "seq"]
    readonly_fields = ["seq"]
    inlines = [RoomMemberInline]


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["created_at", "room", "author", "body"]
    list_filter = ["room"]
    readonly_fields = ["seq", "client_id"]


admin.site.register(Attachment)
admin.site.register(ReadPosition)
