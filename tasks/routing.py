"""The task pages' WebSocket routes: (route, consumer, name). The site makes URL patterns of
them (dashboard/routing.py), adding the bell's actions every page's socket answers."""

from __future__ import annotations

from tasks import consumers

pages = [
    ("ws/boards/<int:board_id>/", consumers.BoardConsumer, "board-socket"),
    ("ws/tasks/", consumers.TasksConsumer, "tasks-socket"),
    ("ws/notifications/", consumers.ActivityConsumer, "activity-socket"),
]
