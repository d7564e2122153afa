"""All WebSocket routes, gathered from the apps that own them."""

from __future__ import annotations

from django.urls import path, re_path

from chat.routing import websocket_urlpatterns as chat_routes
from live.refusals import unknown_route
from notifications.consumers import UserNotificationConsumer, with_inbox
from tasks.routing import pages as task_pages

websocket_urlpatterns = [
    # every task page's socket is also the user's notification socket
    *(path(route, with_inbox(consumer).as_asgi(), name=name) for route, consumer, name in task_pages),
    *chat_routes,
    path("ws/notifications/user/", UserNotificationConsumer.as_asgi(), name="inbox-socket"),
    re_path(r"", unknown_route),  # last: any other path is refused with 403, never a 500
]
