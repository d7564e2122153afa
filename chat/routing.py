from __future__ import annotations

from django.urls import re_path

from chat.consumers import RoomConsumer, RoomsConsumer

websocket_urlpatterns = [
    re_path(r"^ws/chat/$", RoomsConsumer.as_asgi(), name="rooms-socket"),
    re_path(r"^ws/chat/(?P<room>[-\w]+)/$", RoomConsumer.as_asgi(), name="room-socket"),
]
