from __future__ import annotations

from django.urls import path

from tasks import views

urlpatterns = [
    path("", views.home, name="home"),
    path("activity/", views.activity, name="activity"),
    path("boards/<slug:slug>/", views.board_detail, name="board"),
    path("boards/<slug:slug>/tasks/", views.task_create, name="task-create"),
    path("boards/<slug:slug>/follow/", views.board_follow, name="board-follow"),
    path("tasks/<int:pk>/highlight.css", views.task_highlight, name="task-highlight"),
    path("tasks/<int:pk>/complete/", views.task_complete, name="task-complete"),
    path("tasks/<int:pk>/reopen/", views.task_reopen, name="task-reopen"),
    path("tasks/<int:pk>/delete/", views.task_delete, name="task-delete"),
]
