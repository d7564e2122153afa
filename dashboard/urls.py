from __future__ import annotations

from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path
from django.views import defaults
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from dashboard import health, redoc
from dashboard.api_docs import DocsAccess
from live.metrics import metrics
from people.language import set_language
from people.login import LoginView, with_retry_after

# Swagger UI and Redoc style themselves inline and Redoc searches in a worker; their scripts
# still come from this site only (the split view serves Swagger's set-up script as a file).
docs_csp = csp_update({"style-src": ["'unsafe-inline'"], "img-src": ["data:"], "worker-src": ["blob:"]})


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico on pages without an icon link (admin, API docs)."""
    return redirect(static("favicon.svg"), permanent=True)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """An address that matches no route: JSON under /api/, like the API's own 404s."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)


def admin_login(request: HttpRequest) -> HttpResponse:
    """The admin's sign-in page, answering 429 with ``Retry-After`` past a sign-in limit."""
    return with_retry_after(request, admin.site.login(request))


handler404 = page_not_found

urlpatterns = [
    path("favicon.ico", favicon),
    path("health/", health.health, name="health"),
    path("ready/", health.Ready.as_view(), name="ready"),
    path("metrics", metrics, name="metrics"),
    path("language/", set_language, name="set-language"),
    path("", include("tasks.urls")),
    path("live/", include("live.urls")),
    path("notifications/", include("notifications.urls")),
    path("chat/", include("chat.urls")),
    path("accounts/login/", LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/login/", admin_login),  # the admin's own, with the sign-in limits' 429
    path("admin/", admin.site.urls),
    path("api/", include(("dashboard.api_urls", "api"))),  # names: api:task-list, api:notification-read, ...
    path("api/schema/", SpectacularAPIView.as_view(permission_classes=[DocsAccess]), name="api-schema"),
    path(
        "api/docs/",
        docs_csp(SpectacularSwaggerSplitView.as_view(url_name="api-schema", permission_classes=[DocsAccess])),
        name="api-docs",
    ),
    path("api/redoc/bundles/redoc.standalone.js", redoc.bundle, name="api-redoc-bundle"),
    path(
        "api/redoc/",
        docs_csp(SpectacularRedocView.as_view(url_name="api-schema", permission_classes=[DocsAccess])),
        name="api-redoc",
    ),
]
