"""Who may read the API's schema and its docs pages (/api/schema/, /api/docs/, /api/redoc/).

``API_DOCS_PUBLIC`` (default: on with DEBUG, off otherwise): off, only signed-in people (a
session or an API token) get them, as the API itself. A public schema maps every endpoint,
parameter and enum for a stranger; the people who call the API have an account anyway.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.permissions import BasePermission


class DocsAccess(BasePermission):
    def has_permission(self, request: Any, view: Any) -> bool:
        return bool(settings.API_DOCS_PUBLIC or (request.user and request.user.is_authenticated))
