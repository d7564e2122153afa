from __future__ import annotations

from django.urls import path

from tasks import consumers

websocket_urlpatterns = [
    path("ws/boards/<int:board_id>/", consumers.BoardConsumer.as_asgi(), name="board-socket"),
    path("ws/tasks/", consumers.TasksConsumer.as_asgi(), name="tasks-socket"),
    path("ws/notifications/", consumers.ActivityConsumer.as_asgi(), name="activity-socket"),
]
