from __future__ import annotations

from django.urls import path

from chat import views

urlpatterns = [
    path("", views.room_list, name="rooms"),
    path("seen.css", views.seen_style, name="chat-seen-css"),
    path("files/<int:pk>/", views.attachment, name="attachment"),
    path("messages/<int:room_id>/", views.room_messages, name="room-messages"),
    path("<slug:slug>/", views.room_detail, name="room"),
    path("read/<int:room_id>/", views.room_read, name="room-read"),
    path("<slug:slug>/files/", views.room_upload, name="room-upload"),
    path("<slug:slug>/send/", views.room_send, name="room-send"),
    path("<slug:slug>/invite/", views.room_invite, name="room-invite"),
]
