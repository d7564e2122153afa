from __future__ import annotations

from rest_framework.routers import DefaultRouter

from tasks.api import TaskViewSet

router = DefaultRouter()
router.register("tasks", TaskViewSet, basename="task")

urlpatterns = router.urls
