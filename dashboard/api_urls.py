"""The REST API's routes (DRF), one router for every app's viewsets."""

from __future__ import annotations

from rest_framework.routers import DefaultRouter

from chat.api import RoomViewSet
from notifications.api import NotificationViewSet
from tasks.api import TaskViewSet

router = DefaultRouter()
router.register("tasks", TaskViewSet, basename="task")
router.register("notifications", NotificationViewSet, basename="notification")
router.register("rooms", RoomViewSet, basename="room")

urlpatterns = router.urls
