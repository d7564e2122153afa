from __future__ import annotations

from django.urls import path

from live import poll, views

urlpatterns = [
    path("status/", views.status, name="live-status"),
    path("unreachable/", views.unreachable, name="live-unreachable"),
    path("poll/", poll.poll, name="live-poll"),
    path("stats/", views.StatsView.as_view(), name="live-stats"),
    path("ops/", views.ops_page, name="live-ops"),
]
