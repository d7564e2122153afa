from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from notifications.regions import bell


def inbox(request: HttpRequest) -> dict[str, Any]:
    """The bell's badge and panel for the page's header (the same partials the live pushes use)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"inbox": bell(user.pk, oob=False)}
