"""The bell and the notification panel as live regions: ``notif-badge`` and ``notif-list``.

Both are re-rendered whole on every change to a user's notifications (they are small, and
a whole region is idempotent: no change can be applied twice or out of place). The event
travels on the user's own topic, so it is rendered once per user per server process and
written to every tab that user has open, and to nobody else.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from live.cache import LRU
from live.registry import render, renders
from notifications.models import Notification
from notifications.selectors import PANEL_SIZE, InboxState, inbox_seq, inbox_state

_items: LRU[SafeString] = LRU("notifications", 5000)
_panels: LRU[str] = LRU("inboxes", 2000)


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


def regions(state: InboxState, *, oob: bool) -> dict[str, SafeString]:
    shown = state.notifications[:PANEL_SIZE]
    more = len(state.notifications) > PANEL_SIZE
    return {
        "badge": render("notifications/partials/badge.html", {"unread": state.unread, "oob": oob}),
        "list": render(
            "notifications/partials/list.html",
            {
                "items": items(state.notifications, previous_visit_at=state.previous_visit_at),
                "empty": not shown,
                "before": shown[-1].pk if more else None,
                "oob": oob,
            },
        ),
    }


def inbox_html(user_id: int) -> tuple[str, int]:
    """Both regions as OOB fragments, and the change number they show (cached per number)."""
    seq = inbox_seq(user_id)
    key = (user_id, seq, timezone.localdate(), get_language())

    def make() -> str:
        return "".join(regions(inbox_state(user_id), oob=True).values())

    return _panels.get_or_make(key, make), seq


@renders("inbox.changed")
def inbox_event(event: dict[str, Any], pages: frozenset[str]) -> dict[str, str]:
    html, _seq = inbox_html(event["user"])
    return dict.fromkeys(pages, html)
