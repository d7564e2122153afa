from __future__ import annotations

from django.urls import path

from notifications import views

urlpatterns = [
    path("", views.notification_list, name="notifications"),
    path("read-all/", views.notification_read_all, name="notifications-read-all"),
    path("<int:pk>/read/", views.notification_read, name="notification-read"),
    path("<int:pk>/open/", views.notification_open, name="notification-open"),
]
