from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from tasks.selectors import boards_visible_to


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The boards in the header."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"nav_boards": boards_visible_to(user)}
