"""Notification items as HTML, kept per process (the bell's regions: notifications/regions.py)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from live.cache import LRU
from live.registry import render
from notifications.models import Notification
from notifications.selectors import PANEL_SIZE

_items: LRU[SafeString] = LRU("notifications", 5000)


def item(notification: Notification) -> SafeString:
    key = (notification.pk, notification.read_at, timezone.localdate(), get_language())
    return _items.get_or_make(
        key, lambda: render("notifications/partials/item.html", {"notification": notification})
    )


def items(notifications: list[Notification], *, previous_visit_at: Any = None) -> list[SafeString]:
    """Rendered items, with the "new since your last visit" divider where it falls."""
    out: list[SafeString] = []
    divided = previous_visit_at is None
    for index, notification in enumerate(notifications[:PANEL_SIZE]):
        if not divided and notification.created_at <= previous_visit_at:
            divided = True
            if index:  # only when something is new
                out.append(render("notifications/partials/divider.html", {}))
        out.append(item(notification))
    return out
